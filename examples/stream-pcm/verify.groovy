// Checks what the stream printed: partial results while the audio arrived, then final text.
// (less the colour codes of Maven's console output)
def log = new File(basedir, 'build.log').text.replaceAll(/\u001B\[[0-9;]*m/, '')
def results = (log =~ /(?m)^at\s+(\d+\.\d\d) s  (partial|FINAL)\s+segment (\d+) \[[^\]]*\]: (.*)$/).collect { it }
def partials = results.findAll { it[2] == 'partial' }
def finals = results.findAll { it[2] == 'FINAL' }
assert partials.size() >= 2 : 'expected partial results as the audio came in'
// Partials come out before the end of the 4 s file, not all at the end.
assert (partials[0][1] as double) < 3.0 : 'the first partial came late'
assert !finals.isEmpty()
// The sample says "rubout g m e f three nine". Streaming sees less context than the offline pass
// (a window with 320 ms of lookahead), so it misspells a little more; these words it gets.
def text = finals.collect { it[4].trim() }.join(' ')
assert text.split(' ').toList().containsAll(['g', 'three']) : "unexpected final text '$text'"
println "stream-pcm verified: ${partials.size()} partial results, the first at ${partials[0][1]} s; final text '$text'"
true
