'use strict';
// The page: record with MediaRecorder and upload to POST /v1/transcribe, or stream the microphone
// live as 16-bit PCM over the /v1/stream WebSocket. Each status line's data-state says where it is
// (idle, recording, uploading, streaming, done, error).

const $ = (id) => document.getElementById(id);

function setStatus(element, state, text) {
  element.dataset.state = state;
  element.textContent = text;
}

// ---- Record, then upload ----------------------------------------------------------------------

let recorder = null;

function recordingType() {
  const types = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'];
  return types.find((t) => MediaRecorder.isTypeSupported(t)) || '';
}

async function toggleRecording() {
  if (recorder) {
    recorder.stop();
    return;
  }
  const status = $('upload-status');
  try {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    recorder = new MediaRecorder(media, { mimeType: recordingType() });
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = () => {
      media.getTracks().forEach((t) => t.stop());
      const blob = new Blob(chunks, { type: recorder.mimeType });
      recorder = null;
      $('record').textContent = 'Record';
      const player = $('recording');
      player.src = URL.createObjectURL(blob);
      player.hidden = false;
      upload(blob);
    };
    recorder.start();
    $('record').textContent = 'Stop';
    setStatus(status, 'recording', 'Recording… press Stop when done.');
  } catch (e) {
    recorder = null;
    setStatus(status, 'error', `Cannot record: ${e.message}`);
  }
}

async function upload(blob) {
  const status = $('upload-status');
  setStatus(status, 'uploading', `Transcribing ${(blob.size / 1024).toFixed(1)} kB…`);
  try {
    const response = await fetch('/v1/transcribe', {
      method: 'POST',
      headers: { 'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
    const result = await response.json();
    if (!response.ok) throw new Error(result.error || response.statusText);
    $('transcript').textContent = result.text;
    $('transcript-json').textContent = JSON.stringify(result, null, 2);
    setStatus(status, 'done',
      `${result.audio_seconds.toFixed(2)} s of audio transcribed in ${result.processing_seconds.toFixed(2)} s.`);
  } catch (e) {
    setStatus(status, 'error', `Transcription failed: ${e.message}`);
  }
}

// ---- Live streaming ---------------------------------------------------------------------------

let live = null;

async function startLive() {
  const status = $('live-status');
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const context = new AudioContext();
  await context.resume(); // a context made after an await may start suspended
  await context.audioWorklet.addModule('pcm-worklet.js');
  const capture = new AudioWorkletNode(context, 'pcm-capture');
  const url = new URL(`/v1/stream?rate=${context.sampleRate}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  live = { media, context, capture, socket };

  $('live-final').textContent = '';
  $('live-partial').textContent = '';
  capture.port.onmessage = (e) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(e.data);
  };
  socket.onopen = () => {
    context.createMediaStreamSource(media).connect(capture);
    capture.connect(context.destination); // keeps the graph pulling; the node outputs silence
    setStatus(status, 'streaming', 'Listening… press Stop when done.');
  };
  socket.onmessage = (e) => showLiveResult(JSON.parse(e.data));
  socket.onclose = (e) => {
    stopCapture();
    live = null;
    $('live-toggle').textContent = 'Start live';
    if (status.dataset.state !== 'error') {
      const normal = e.code === 1000; // 1001: the server went away (shutdown, idle timeout) mid-stream
      setStatus(status, normal ? 'done' : 'error', normal ? 'Done.' : `Stream closed: ${e.reason || e.code}`);
    }
  };
  $('live-toggle').textContent = 'Stop';
}

function showLiveResult(message) {
  if (message.type === 'error') {
    setStatus($('live-status'), 'error', `Stream failed: ${message.error}`);
  } else if (message.type === 'final') {
    const finals = $('live-final');
    finals.textContent = [finals.textContent, message.text].filter((t) => t).join(' ');
    $('live-partial').textContent = '';
  } else {
    $('live-partial').textContent = message.text;
  }
}

function stopCapture() {
  if (!live || live.stopped) return;
  live.stopped = true;
  live.media.getTracks().forEach((t) => t.stop());
  live.context.close();
}

function stopLive() {
  // The partial block first, then the end message; the server answers with the final result.
  live.capture.port.onmessage = (e) => {
    live.socket.send(e.data);
    live.socket.send(JSON.stringify({ type: 'end' }));
    stopCapture();
    setStatus($('live-status'), 'finishing', 'Finishing…');
  };
  live.capture.port.postMessage('flush');
}

async function toggleLive() {
  try {
    if (live) stopLive();
    else await startLive();
  } catch (e) {
    stopCapture();
    live = null;
    setStatus($('live-status'), 'error', `Cannot stream: ${e.message}`);
  }
}

$('record').addEventListener('click', toggleRecording);
$('file').addEventListener('change', (e) => {
  if (e.target.files.length) upload(e.target.files[0]);
});
$('live-toggle').addEventListener('click', toggleLive);
