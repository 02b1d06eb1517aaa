// Checks that training ran, the loss fell, and the trained model transcribed the dev utterances.
// (less the colour codes of Maven's console output)
def log = new File(basedir, 'build.log').text.replaceAll(/\u001B\[[0-9;]*m/, '')
def summary = (log =~ /(?m)^trained (\d+) steps in ([\d.]+) s; loss ([\d.]+) at the first step, ([\d.]+) at the last$/)
assert summary.find() : 'no training summary'
assert (summary.group(1) as int) > 0
assert (summary.group(4) as double) < (summary.group(3) as double) : 'the loss did not fall'
assert (log =~ /(?m)^epoch \d+: train loss/).count >= 1 : 'no epoch summary from the TrainingListener'
def recognised = (log =~ /(?m)^\S+: said ".*", recognised ".*"$/).collect { it }
assert recognised.size() == 8 : 'expected a transcript of each of the 8 dev utterances'
println "train-tiny verified: ${summary.group(1)} steps, loss ${summary.group(3)} -> ${summary.group(4)}, 8 dev transcripts"
true
