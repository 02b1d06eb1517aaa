#!/usr/bin/env bash
# Offline recognition of the AN4 test set by ctc4j and by CMU pocketsphinx (Debian's pocketsphinx_batch with
# its generic en-us acoustic model, LM and dictionary) on the same 16 kHz WAV files: word error rate and
# real-time factor (process wall time, model loading included, / audio time), one process per tool.
#   benchmarks/service/an4-vs-pocketsphinx.sh MODEL_DIR [ctc4j transcribe options, e.g. --decoder beam]
# UTTERANCES=N limits the run to the first N test utterances (default: all 130).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${1:?usage: an4-vs-pocketsphinx.sh MODEL_DIR [transcribe options]}
shift
an4=$root/../shared/data/an4
ps_model=/usr/share/pocketsphinx/model/en-us
missing=()
for tool in pocketsphinx_batch:pocketsphinx flac:flac; do command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}"); done
[ -d "$ps_model" ] || missing+=(pocketsphinx-en-us)
if [ ${#missing[@]} -gt 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$an4/test.jsonl" "$work" "${UTTERANCES:-0}" <<'PY'
import json, os, sys
manifest, work, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(manifest).readlines()
with open(f"{work}/ids", "w") as ids, open(f"{work}/ref.jsonl", "w") as ref:
    for line in lines[:limit] if limit > 0 else lines:
        u = json.loads(line)
        uid = os.path.basename(u["audio"]).rsplit(".", 1)[0]
        print(os.path.join(os.path.dirname(manifest), u["audio"]), uid, file=ids)
        ref.write(json.dumps({"id": uid, "text": u["text"], "duration": u["duration"]}) + "\n")
PY
mkdir -p "$work/wav"
while read -r flac id; do flac -s -d -f -o "$work/wav/$id.wav" "$flac"; done < "$work/ids"
cut -d' ' -f2 "$work/ids" > "$work/ctl"

start=$(date +%s%N)
pocketsphinx_batch -adcin yes -adchdr 44 -cepdir "$work/wav" -cepext .wav -ctl "$work/ctl" -hyp "$work/ps.hyp" \
  -hmm "$ps_model/en-us" -lm "$ps_model/en-us.lm.bin" -dict "$ps_model/cmudict-en-us.dict" -samprate 16000 \
  > "$work/ps.log" 2>&1
ps_ns=$(( $(date +%s%N) - start ))

start=$(date +%s%N)
"$root/bin/ctc4j" transcribe "$work"/wav/*.wav --model "$model" --json "$@" > "$work/ctc4j.jsonl"
ctc4j_ns=$(( $(date +%s%N) - start ))

python3 - "$work" "$ps_ns" "$ctc4j_ns" <<'PY'
import json, os, re, sys
work, ps_wall, ctc4j_wall = sys.argv[1], int(sys.argv[2]) / 1e9, int(sys.argv[3]) / 1e9
refs = {u["id"]: u for u in map(json.loads, open(f"{work}/ref.jsonl"))}
audio = sum(u["duration"] for u in refs.values())

def words(text):
    text = re.sub(r"<[^>]*>|\[[^\]]*\]|\(\d+\)", " ", text.lower())  # <s>, <sil>, [noise], alternate pronunciations
    return text.split()

def edits(ref, hyp):
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]

def wer(hyps):
    errors = sum(edits(words(u["text"]), words(hyps.get(uid, ""))) for uid, u in refs.items())
    return errors / sum(len(words(u["text"])) for u in refs.values())

ps = {}
for line in open(f"{work}/ps.hyp"):
    m = re.match(r"^(.*)\((\S+)(?: [-\d]+)?\)\s*$", line)
    if m: ps[m.group(2)] = m.group(1)
ctc4j = {os.path.basename(j["audio"]).rsplit(".", 1)[0]: j["text"] for j in map(json.loads, open(f"{work}/ctc4j.jsonl"))}
print(f"AN4 test: {len(refs)} utterances, {audio:.1f} s of audio")
print("| system | WER | wall s | real-time factor |")
print("|---|---:|---:|---:|")
for name, hyps, wall in (("pocketsphinx 5prealpha (en-us generic)", ps, ps_wall), ("ctc4j", ctc4j, ctc4j_wall)):
    print(f"| {name} | {100 * wer(hyps):.1f} % | {wall:.1f} | {wall / audio:.3f} |")
PY
