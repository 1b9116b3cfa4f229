// The tokenizer parity corpus: ≥1000 strings per tokenizer, generated deterministically (a
// seeded xorshift PRNG) from HeadScope's own word and symbol lists. Categories: ASCII prose,
// digits and numbers, punctuation and whitespace runs, newlines, accents, CJK, emoji, mixes.
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

module.exports = { make };
