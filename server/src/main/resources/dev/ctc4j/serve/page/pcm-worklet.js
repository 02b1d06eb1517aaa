// Runs on the audio thread: collects microphone samples into ~100 ms blocks of 16-bit PCM and
// posts each block's bytes to the page, which sends them over the WebSocket.
class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Int16Array(Math.round(sampleRate / 10));
    this.filled = 0;
    this.port.onmessage = () => this.flush(); // the page asks for the partial block at the end
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const s = Math.max(-1, Math.min(1, channel[i]));
      this.block[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === this.block.length) this.flush();
    }
    return true;
  }

  flush() {
    const bytes = this.block.slice(0, this.filled).buffer;
    this.filled = 0;
    this.port.postMessage(bytes, [bytes]);
  }
}

registerProcessor('pcm-capture', PcmCapture);
