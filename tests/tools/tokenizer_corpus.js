// The tokenizer parity corpus: ≥1000 strings per tokenizer, generated deterministically (a
// seeded xorshift PRNG) from HeadScope's own word and symbol lists. Categories: ASCII prose,
// digits and numbers, punctuation and whitespace runs, newlines, accents, CJK, emoji, mixes;
// then text whose NFC, NFD, NFKC and NFKD forms differ (decomposed accents, compatibility
// characters, fullwidth forms, Hangul jamo), and runs of the characters tokenizers treat
// specially (U+2581, newlines and tabs that Gemma-3 has as added tokens).
'use strict';

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const words = ('the a of to and in is was for on with as by at from that this it be are not or an which ' +
  'needle haystack attention head layer budget cache token model query key value retrieval reasoning ' +
  'Tom campus habits diet exercise relax nothing school born year trip Japan Beijing Olympic birthday ' +
  'park walk espresso evening report records broken ocean heat surface temperature greenhouse gas ' +
  "don't it's we're they've I'm you'll she'd HeadScope Llama Mistral Qwen GPU CPU KV SnapKV PyramidKV").split(' ');
const accents = ['café', 'naïve', 'résumé', 'Ångström', 'façade', 'jalapeño', 'über', 'coöperate', 'São Paulo',
  'Zürich', 'crème brûlée', 'Dvořák', 'Łódź', 'smörgåsbord', 'niño', 'pâté'];
const cjk = ['東京', '中文', '日本語', '한국어', '北京是中国的首都', '注意力机制', 'キャッシュ', '谢谢', '你好，世界', '漢字かな交じり'];
const emoji = ['🙂', '🚀', '👍🏽', '👨‍👩‍👧', '❤️', '🇯🇵', '🤖', '🔥🔥', '✨', '🧠'];
const punct = ['.', ',', '!', '?', ';', ':', '...', '--', '—', '(', ')', '[', ']', '{', '}', '"', "'", '/', '\\',
  '@', '#', '$', '%', '^', '&', '*', '+', '=', '<', '>', '|', '~', '`', '_', '!!', '?!', '.,;'];
const spaces = [' ', '  ', '   ', '\t', '\n', '\n\n', ' \n', '\n ', '\r\n', '    ', '\t\t', ' \t '];

function make(count = 1100, seed = 20261122) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const num = () => {
    const k = Math.floor(r() * 6);
    if (k === 0) return String(Math.floor(r() * 10));
    if (k === 1) return String(Math.floor(r() * 100000));
    if (k === 2) return (r() * 1000).toFixed(Math.floor(r() * 4));
    if (k === 3) return `${1900 + Math.floor(r() * 200)}-${1 + Math.floor(r() * 12)}-${1 + Math.floor(r() * 28)}`;
    if (k === 4) return String(Math.floor(r() * 1e12));
    return `${Math.floor(r() * 1000)},${String(Math.floor(r() * 1000)).padStart(3, '0')}`;
  };
  const out = [];
  const kinds = ['prose', 'numbers', 'punct', 'space', 'accents', 'cjk', 'emoji', 'mixed'];
  for (let i = 0; out.length < count; ++i) {
    const kind = kinds[i % kinds.length];
    const n = 1 + Math.floor(r() * 14);
    const parts = [];
    for (let j = 0; j < n; ++j) {
      if (kind === 'prose') parts.push(pick(words) + (r() < 0.15 ? pick(['.', ',', '?', '!']) : ''));
      else if (kind === 'numbers') parts.push(r() < 0.5 ? num() : pick(words));
      else if (kind === 'punct') parts.push(pick(punct) + (r() < 0.5 ? pick(words) : ''));
      else if (kind === 'space') parts.push(pick(words) + pick(spaces));
      else if (kind === 'accents') parts.push(r() < 0.6 ? pick(accents) : pick(words));
      else if (kind === 'cjk') parts.push(r() < 0.6 ? pick(cjk) : pick(words));
      else if (kind === 'emoji') parts.push(r() < 0.5 ? pick(emoji) : pick(words));
      else parts.push(pick([pick(words), num(), pick(accents), pick(cjk), pick(emoji), pick(punct), pick(spaces)]));
    }
    let s = kind === 'space' || kind === 'mixed' ? parts.join(r() < 0.5 ? '' : ' ') : parts.join(' ');
    if (r() < 0.1) s = pick(spaces) + s;
    if (r() < 0.1) s = s + pick(spaces);
    out.push(s);
  }
  return out;
}

// Each entry differs from at least one of its normal forms.
const unicodeForms = [
  'cafe\u0301', 'cafe\u0301 au lait', 'nai\u0308ve', 'A\u030Angstro\u0308m', 'Cre\u0300me bru\u0302le\u0301e',
  'man\u0303ana', 'Z\u00FCrich Zu\u0308rich', 'e\u0327\u0301', 'q\u0307\u0323', '\u1E9B\u0323',
  '\u212B', '\u2126 ohm', '\u00C5 A\u030A', '\u0344', '\u1100\u1161\u11A8', '\u1112\u1161\u11AB\u1100\u116E\u11A8',
  '\uD55C\uAD6D\uC5B4', '\uFB01nance \uFB02ow', '\uFB00 \uFB03 \uFB04 \uFB06', '\u2460\u2461\u2462 \u2473',
  'x\u00B2 + y\u00B3 = z\u2074', 'H\u2082O', '\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13', '\uFF28\uFF45\uFF4C\uFF4C\uFF4F\uFF0C\u3000\uFF57\uFF4F\uFF52\uFF4C\uFF44\uFF01',
  '\uFF76\uFF80\uFF76\uFF85', '\u2122 \u2120 \u2121', '\u00BD \u00BC \u2153', '\u2026 and \u2025', '\u2163 \u216B \u2170',
  '\u2103 \u2109', '\u338F \u3392 \u33A1', '\u210C\u2111\u211C', '\uFDFA', '\u3300 \u32FF', '\u00A0non\u00A0breaking\u00A0',
  '\u2000\u2001\u2002 spaces', 'se\u00F1or vs sen\u0303or', '\u0041\u0301\u0042\u0302', '\u1EBF \u0065\u0302\u0301',
  '\u03D3 \u03D2\u0301', '\u0958\u0959 \u0915\u093C', '\u00E9t\u00E9 e\u0301te\u0301', '\u2581 \u2581\u2581 x\u2581y',
  'tab\t\tseparated\t\t\tcolumns', '\n\n\nthree newlines', 'a\n\n\n\n\n\nb', '\u2581\u2581leading', '  two spaces  ',
  '<start_of_turn>user\nHi<end_of_turn>', '<bos><eos>', '<|im_start|>user\ncafe\u0301<|im_end|>', '<|begin_of_text|>\uFB01',
  '<unused17> and <table><tr><td>x</td></tr></table>', '\uD835\uDC00\uD835\uDFCE math bold', '\u2F00\u2F01 radicals',
  'I\u0307stanbul \u0130stanbul', '\u03A3\u0399\u03A3\u03A5\u03A6\u039F\u03A3', 'STRA\u00DFE stra\u00DFe', 'ABC\u0327',
];

function makeUnicodeForms(count = 160, seed = 20261123) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = unicodeForms.slice();
  while (out.length < count) {
    const n = 2 + Math.floor(r() * 5);
    const parts = [];
    for (let j = 0; j < n; ++j)
      parts.push(r() < 0.55 ? pick(unicodeForms) : pick(words) + (r() < 0.2 ? pick(punct) : ''));
    out.push(parts.join(r() < 0.7 ? ' ' : pick(spaces)));
  }
  return out;
}

module.exports = { make, makeUnicodeForms, words, punct, spaces };
