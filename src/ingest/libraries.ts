/**
 * Names of the libraries an article mentions, normalized to Simplified Chinese.
 *
 * Owns: recognizing `...图书馆` names anchored on a place name of the gazetteer (`襄阳市图书馆`,
 * `浙江图书馆`, `南京市雨花台区图书馆`, `咸宁市少儿图书馆`), on a short list of libraries known by
 * their own name (`国家图书馆`, `首都图书馆`, `金陵图书馆`), or on a university (`武汉大学图书馆`),
 * and merging the forms of one library into its fullest form.
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
 * - Forms of one library (same division code and same qualifier: `雨花台区图书馆` and
 *   `南京市雨花台区图书馆`; `襄阳图书馆` and `襄阳市图书馆`; `国家图书馆` and `中国国家图书馆`) are
 *   merged; the longest form found in the text (or in `extra`, e.g. a `來自:` header line) wins.
 * - Order: most mentioned first, then first mention.
 */
import { toSimplified as simplified } from '../analysis/normalize.js';
import { analyzeRegions, mentionCandidates, mentionCode, scanPlaces, resolvePlaces, type PlaceMention } from '../analysis/regions.js';

const LIBRARY = '图书馆';
const NOT_A_LIBRARY_AFTER = /^(?:学会|协会|界|事业|行业|学|联盟|工作者|法|服务联盟|馆员|人)/;
const KNOWN_NAMES = ['国家', '首都', '金陵', '中山'];
const GAP = /^(?:省|市|区|县|州|自治州|自治县|地区)?(?:[省市县区]立)?(金陵|中山|首都)?(?:少年儿童|少儿|儿童|青少年|老年|盲人|数字)?$/;
const SCHOOL_GAP = /^[\u4e00-\u9fff]{0,10}?(?:大学|学院|学校|中学|小学|党校|研究院|科学院)$/;
const FUNCTION_CHARS = /[的在到和与及对为从是了向由于至自给把被让将同跟等各该这那其调研举办开展参观走进来去]/;
/** Characters that may precede an unanchored school or known name (sentence boundaries). */
const BOUNDARY_BEFORE = /[\s，。、；：:;,.!?！？“”"'（）()《》【】\[\]的在到和与及对为从是了向由至自给把被让将同跟等]/;

interface Found {
  surface: string;
  key: string;
  index: number;
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
    const code = mentionCode(m) ?? mentionCandidates(m).join('|');
    const known = g?.[1];
    const qualifier = gap.replace(/^(?:省|市|区|县|州|自治州|自治县|地区)?(?:[省市县区]立)?/, '');
    const key = known ? `name:${known}` : `${code}:${qualifier}`;
    return { surface: text.slice(start, i + 3), key, index: start };
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
      else if (text[s - 1] === '国') return undefined; // 美国国家图书馆 is not China's national library
    }
    return { surface: text.slice(s, i + 3), key: `name:${name}`, index: s };
  }
  // School libraries: walk back over CJK to a boundary, at most 12 characters.
  let s = i;
  while (s > 0 && i - s < 12 && isCjk(text[s - 1]) && !BOUNDARY_BEFORE.test(text[s - 1])) s--;
  const school = text.slice(s, i);
  if (school.length >= 4 && SCHOOL_GAP.test(school) && !FUNCTION_CHARS.test(school) && (s === 0 || BOUNDARY_BEFORE.test(text[s - 1]) || !isCjk(text[s - 1]))) {
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
  const groups = new Map<string, { count: number; first: number; forms: Set<string> }>();
  for (const f of found) {
    let g = groups.get(f.key);
    if (!g) {
      g = { count: 0, first: f.index, forms: new Set() };
      groups.set(f.key, g);
    }
    g.count++;
    g.forms.add(f.surface);
  }
  if (opts.extra) {
    const x = simplified(opts.extra);
    const xm = analyzeRegions(x, { simplified: true }).mentions;
    for (const f of findLibraryMentions(x, xm)) groups.get(f.key)?.forms.add(f.surface);
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .map((g) => [...g.forms].sort((a, b) => b.length - a.length || a.localeCompare(b))[0]);
}
