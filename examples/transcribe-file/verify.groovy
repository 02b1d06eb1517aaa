// Checks what the two runs of invoker.properties printed (the invoker appends both to build.log).
// (less the colour codes of Maven's console output)
def log = new File(basedir, 'build.log').text.replaceAll(/\u001B\[[0-9;]*m/, '')
def runs = (log =~ /(?m)^\S+: 4\.00 s of audio, (.+), transcribed in [\d.]+ s\ntext: (.*)\n((?:\s+\d+\.\d\d .*\n)*)/).collect { it }
assert runs*.getAt(1) == ['greedy', 'beam search with lm-3gram.arpa'] : 'expected a greedy run and a beam-search run'
runs.each { run ->
  def (all, decoding, text, wordLines) = run
  // The sample says "rubout g m e f three nine"; the AN4 model gets most of it right.
  def words = text.trim().split(' ').toList()
  assert words.containsAll(['rubout', 'g', 'three']) : "$decoding: unexpected transcript '$text'"
  // One line per word: start <= end, within the 4 s file, spelling the text.
  def timed = (wordLines =~ /(?m)^\s+(\d+\.\d\d)\s+(\d+\.\d\d)\s+(\S+)\s+(\d\.\d\d)$/).collect { it }
  assert timed*.getAt(3) == words : "$decoding: the word lines do not spell the text"
  timed.each { assert (it[1] as double) <= (it[2] as double) && (it[2] as double) <= 4.0 }
  println "transcribe-file verified ($decoding): '$text', ${timed.size()} timed words"
}
true
