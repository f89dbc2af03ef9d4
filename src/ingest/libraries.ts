/**
 * Names of the libraries an article mentions, normalized to Simplified Chinese.
 *
 * Owns: recognizing `...图书馆` names anchored on a place name of the gazetteer (`襄阳市图书馆`,
 * `浙江图书馆`, `南京市雨花台区图书馆`, `咸宁市少儿图书馆`), on a short list of libraries known by
 * their own name (`国家图书馆`, `首都图书馆`, `金陵图书馆`), or on a university (`武汉大学图书馆`),
 * and giving each library one canonical name, the same in every article.
 * Must not: decide which text is the article (callers pass title + body), nor scan places itself
 * (it reads the mentions regions.ts found).
 *
 * Rules:
 * - The words between the place and `图书馆` may only be an administrative suffix and/or a
 *   qualifier (`少儿`, `少年儿童`, `儿童`, `青少年`, `老年`, `盲人`, `数字`), a known name
 *   (`金陵`, `中山`, `首都`, with an optional `省立`/`市立`), or a school name ending in
 *   大学/学院/学校/中学/小学/党校. Anything else (`随州市各公共图书馆`, `国家二级图书馆`,
 *   `到随州调研国图书馆`) is not a library name.
 * - `图书馆学会`, `图书馆协会`, `图书馆界`, `图书馆事业`, `图书馆联盟`... are about the profession.
 * - `国家图书馆` after a foreign country's name (`dict/countries.txt`: `秘鲁国家图书馆`, `俄国家图书馆`)
 *   is that country's national library, named `<country>国家图书馆`; after 我们 / 金砖 / 各 it is no
 *   name at all (`我们国家图书馆的数量`).
 * - An unanchored school name starts after a verb of the sentence (`习近平出席恩古瓦比大学图书馆`);
 *   a count or a kind of school is not a name (`1万个乡村学校图书馆`, `孔子学院图书馆`).
 * - Forms of one library (same division code and same qualifier: `雨花台区图书馆` and
 *   `南京市雨花台区图书馆`; `襄阳图书馆` and `襄阳市图书馆`; `国家图书馆` and `中国国家图书馆`;
 *   `少儿` and `少年儿童`) are merged under its canonical name ({@link canonicalName}: the listed
 *   name of `dict/library-names.txt`, else the official name of its division); a library without
 *   one (a school, a county short form standing alone, an unresolved place) keeps the longest form
 *   found in the text (or in `extra`, e.g. a `來自:` header line).
 * - Order: most mentioned first, then first mention.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toSimplified as simplified } from '../analysis/normalize.js';
import { analyzeRegions, mentionCandidates, mentionCode, regionByCode, regionsNamed, resolvePlaces, scanPlaces, usualName, type PlaceMention } from '../analysis/regions.js';

const LIBRARY = '图书馆';
const NOT_A_LIBRARY_AFTER = /^(?:学会|协会|界|事业|行业|学|联盟|工作者|法|服务联盟|馆员|人)/;
const KNOWN_NAMES = ['国家', '首都', '金陵', '中山'];
const GAP = /^(?:省|市|区|县|州|自治州|自治县|地区)?(?:[省市县区]立)?(金陵|中山|首都)?(?:少年儿童|少儿|儿童|青少年|老年|盲人|数字)?$/;
const SCHOOL_GAP = /^[\u4e00-\u9fff]{0,10}?(?:大学|学院|学校|中学|小学|党校|研究院|科学院)$/;
const FUNCTION_CHARS = /[的在到和与及对为从是了向由于至自给把被让将同跟等各该这那其调研举办开展参观走进来去]/;
/** Verbs of the sentence that may come right before a school's name: the name starts after them. */
const VERB_BEFORE_NAME = /^.*(?:出席|参观|考察|访问|走进|来到|视察|前往|位于|捐赠|援建|联合|走访|参加|启用|建设|落户|揭牌)/;
/** A count before a kind of school: `万个乡村学校`, `3所大学`, `多所高校`. */
const COUNTED = /^[0-9０-９一二三四五六七八九十百千万亿两几数多余]*[个所家座批类级]/;
/** Kinds of schools, not names: `乡村学校`, `中小学`, `高等院校`, `孔子学院`. */
const GENERIC_SCHOOL = /^(?:乡村|农村|城乡|社区|中小|大中小|高等|各类|各级|公共|基层|校园|民办|公办)|^孔子学院$/;
/** Characters that may precede an unanchored school or known name (sentence boundaries). */
const BOUNDARY_BEFORE = /[\s，。、；：:;,.!?！？“”"'（）()《》【】\[\]的在到和与及对为从是了向由至自给把被让将同跟等]/;

interface Found {
  surface: string;
  key: string;
  index: number;
  /** The library's canonical name, when the form found determines it (see {@link canonicalName}). */
  name?: string;
}

const LIBRARY_NAMES_FILE = fileURLToPath(new URL('../../dict/library-names.txt', import.meta.url));
const COUNTRIES_FILE = fileURLToPath(new URL('../../dict/countries.txt', import.meta.url));
let aliases: Map<string, string> | undefined;
let countries: { names: string[]; abbreviations: Map<string, string> } | undefined;

/** Form -> canonical name, from `dict/library-names.txt` (a canonical name maps to itself). */
function libraryAliases(): Map<string, string> {
  if (aliases) return aliases;
  aliases = new Map();
  for (const line of readFileSync(LIBRARY_NAMES_FILE, 'utf8').split('\n')) {
    const [canonical, ...forms] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!canonical) continue;
    aliases.set(canonical, canonical);
    for (const f of forms) aliases.set(f, canonical);
  }
  return aliases;
}

/** Foreign countries' names, longest first, and their one-character abbreviations (`dict/countries.txt`). */
function foreignCountries(): { names: string[]; abbreviations: Map<string, string> } {
  if (countries) return countries;
  const names: string[] = [];
  const abbreviations = new Map<string, string>();
  for (const line of readFileSync(COUNTRIES_FILE, 'utf8').split('\n')) {
    const [name, abbr] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!name) continue;
    names.push(name);
    if (abbr) abbreviations.set(abbr, name);
  }
  names.sort((a, b) => b.length - a.length);
  countries = { names, abbreviations };
  return countries;
}

/** The foreign country named right before `at` (`秘鲁` in `在秘鲁国家图书馆`), with the length of its form. */
function countryBefore(text: string, at: number): { country: string; length: number } | undefined {
  const { names, abbreviations } = foreignCountries();
  for (const n of names) if (text.startsWith(n, at - n.length)) return { country: n, length: n.length };
  const abbr = abbreviations.get(text[at - 1]);
  return abbr ? { country: abbr, length: 1 } : undefined;
}

/** School qualifiers: the names of short and long forms of the same qualifier (`少儿`, `少年儿童`) are one. */
function normalQualifier(q: string): string {
  return q === '少儿' ? '少年儿童' : q;
}

/**
 * The canonical name of a library: a form listed in `dict/library-names.txt` gives its canonical
 * name (`国家图书馆` -> `中国国家图书馆`, `浙江省图书馆` -> `浙江图书馆`); otherwise a place-anchored
 * name is written with the official name of its division (`海北州` for an autonomous prefecture,
 * see `usualName`; a district, or a county whose name is shared, after its city or province),
 * whatever form the text used: `沈阳图书馆` -> `沈阳市图书馆`, `山东济南图书馆` -> `济南市图书馆`,
 * `雨花台区图书馆` -> `南京市雨花台区图书馆`, `湖北随县图书馆` -> `随县图书馆`, `咸宁市少儿图书馆`
 * -> `咸宁市少年儿童图书馆`; that name may again be a listed form (`上海市图书馆` -> `上海图书馆`).
 */
function canonicalName(forms: string[], code: string | undefined, qualifier: string): string | undefined {
  const dict = libraryAliases();
  for (const f of forms) {
    const c = dict.get(f);
    if (c) return c;
  }
  const r = code ? regionByCode(code) : undefined;
  if (!r) return undefined;
  const own = usualName(code!)!;
  // A district, or a county whose name other divisions share, goes with its city (朝阳区 is Beijing's and Changchun's).
  const qualified = r.county && (own.endsWith('区') || regionsNamed(own).length > 1);
  const place = qualified ? `${r.city ?? r.province}${own}` : own;
  const built = `${place}${normalQualifier(qualifier)}${LIBRARY}`;
  return dict.get(built) ?? built;
}

function isCjk(c: string | undefined): boolean {
  return !!c && c >= '\u4e00' && c <= '\u9fff';
}

/**
 * Library names in `text` (Simplified). `mentions` are the place mentions of the same text
 * (from regions.ts, resolved); they are computed when not given.
 */
export function findLibraryMentions(text: string, mentions?: PlaceMention[]): Found[] {
  if (!text.includes(LIBRARY)) return [];
  if (!mentions) {
    mentions = scanPlaces(text);
    resolvePlaces(text, mentions);
  }
  const byEnd = new Map<number, PlaceMention>();
  for (const m of mentions) byEnd.set(m.end, m);
  const out: Found[] = [];
  for (let i = text.indexOf(LIBRARY); i !== -1; i = text.indexOf(LIBRARY, i + LIBRARY.length)) {
    if (NOT_A_LIBRARY_AFTER.test(text.slice(i + 3, i + 8))) continue;
    const found = anchoredAt(text, i, byEnd) ?? unanchoredAt(text, i);
    if (found) out.push(found);
  }
  return out;
}

/** A place-anchored name ending at `i` (the offset of 图书馆). */
function anchoredAt(text: string, i: number, byEnd: Map<number, PlaceMention>): Found | undefined {
  // Try every place mention ending within 12 characters before 图书馆, nearest first.
  for (let end = i; end >= Math.max(0, i - 12); end--) {
    const m = byEnd.get(end);
    if (!m) continue;
    const gap = text.slice(end, i);
    if (/[^\u4e00-\u9fff]/.test(gap)) return undefined;
    const g = GAP.exec(gap);
    const school = !g && SCHOOL_GAP.test(gap) && !FUNCTION_CHARS.test(gap);
    if (!g && !school) continue;
    // Extend backwards over adjacent places that qualify the anchor (南京市 + 雨花台区).
    let start = m.start;
    for (let prev = byEnd.get(start); prev && prev.qualifier; prev = byEnd.get(start)) start = prev.start;
    const resolved = mentionCode(m);
    const code = resolved ?? mentionCandidates(m).join('|');
    const known = g?.[1];
    const qualifier = gap.replace(/^(?:省|市|区|县|州|自治州|自治县|地区)?(?:[省市县区]立)?/, '');
    const key = known ? `name:${known}` : `${code}:${normalQualifier(qualifier)}`;
    const surface = text.slice(start, i + 3);
    // The same library without the places that qualify it (江苏南京图书馆 -> 南京图书馆, 北京首都图书馆 -> 首都图书馆).
    const own = known ? text.slice(i - known.length, i + 3) : text.slice(m.start, i + 3);
    // Official names are written for a resolved place, but not for a county short form standing
    // alone (和顺图书馆 is the library of 和顺 town, whatever county 和顺 may also be), nor for a
    // school (北京大学图书馆).
    const kind = resolved === undefined ? undefined : m.variants[mentionCandidates(m).indexOf(resolved)]?.kind;
    const countyShortAlone = start === m.start && kind === 'short' && !code.endsWith('00');
    const buildable = !known && !school && resolved !== undefined && !countyShortAlone;
    const name = canonicalName([surface, own], buildable ? resolved : undefined, qualifier);
    return { surface, key, index: start, name };
  }
  return undefined;
}

/** `国家图书馆`, `首都图书馆`, `金陵图书馆`, `武汉大学图书馆` without a place before them. */
function unanchoredAt(text: string, i: number): Found | undefined {
  for (const name of KNOWN_NAMES) {
    const start = i - name.length;
    if (start < 0 || !text.startsWith(name, start)) continue;
    let s = start;
    if (name === '国家') {
      if (text.startsWith('中国', s - 2)) s -= 2;
      else if (!text.startsWith('我国', s - 2)) {
        // 秘鲁国家图书馆 is Peru's national library, not China's: it keeps its country's name.
        const foreign = countryBefore(text, s);
        if (foreign) return { surface: `${foreign.country}国家图书馆`, key: `foreign:${foreign.country}`, index: s - foreign.length, name: `${foreign.country}国家图书馆` };
        // 我们国家图书馆的数量 (our country's libraries), 金砖国家图书馆 (the BRICS countries'), 美国国家...
        if (/(?:我们|咱们|金砖|[国各])$/.test(text.slice(Math.max(0, s - 2), s))) return undefined;
      }
    }
    const surface = text.slice(s, i + 3);
    return { surface, key: `name:${name}`, index: s, name: libraryAliases().get(surface) ?? libraryAliases().get(`${name}${LIBRARY}`) };
  }
  // School libraries: walk back over CJK to a boundary, at most 12 characters.
  let s = i;
  while (s > 0 && i - s < 12 && isCjk(text[s - 1]) && !BOUNDARY_BEFORE.test(text[s - 1])) s--;
  if (s > 0 && isCjk(text[s - 1]) && !BOUNDARY_BEFORE.test(text[s - 1])) return undefined; // longer than 12: not a name
  let school = text.slice(s, i);
  // A verb of the sentence ends what comes before the name (习近平出席恩古瓦比大学图书馆启用仪式).
  const verb = VERB_BEFORE_NAME.exec(school);
  if (verb) {
    s += verb[0].length;
    school = text.slice(s, i);
  }
  // A count or a kind of school is not a name (1万个乡村学校图书馆, 各高校图书馆, 孔子学院图书馆).
  if (COUNTED.test(school) || /[0-9０-９]/.test(text[s - 1] ?? '') || GENERIC_SCHOOL.test(school)) return undefined;
  if (school.length >= 4 && SCHOOL_GAP.test(school) && !FUNCTION_CHARS.test(school)) {
    return { surface: `${school}${LIBRARY}`, key: `school:${school}`, index: s };
  }
  return undefined;
}

/**
 * Library names of an article, fullest form first merged, most mentioned first.
 * `text` is title + body; `extra` (header lines such as `來自: 南京市雨花臺區圖書館`) can only
 * supply fuller forms of libraries found in `text`, never new ones.
 */
export function findLibraries(text: string, opts: { mentions?: PlaceMention[]; extra?: string; simplified?: boolean } = {}): string[] {
  const t = opts.simplified === false ? simplified(text) : text;
  const found = findLibraryMentions(t, opts.simplified === false ? undefined : opts.mentions);
  if (!found.length) return [];
  const groups = new Map<string, { count: number; first: number; forms: Set<string>; name?: string }>();
  for (const f of found) {
    let g = groups.get(f.key);
    if (!g) {
      g = { count: 0, first: f.index, forms: new Set() };
      groups.set(f.key, g);
    }
    g.count++;
    g.forms.add(f.surface);
    g.name ??= f.name;
  }
  if (opts.extra) {
    const x = simplified(opts.extra);
    const xm = analyzeRegions(x, { simplified: true }).mentions;
    for (const f of findLibraryMentions(x, xm)) groups.get(f.key)?.forms.add(f.surface);
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .map((g) => g.name ?? [...g.forms].sort((a, b) => b.length - a.length || a.localeCompare(b))[0]);
}
