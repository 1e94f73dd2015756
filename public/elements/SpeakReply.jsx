import { useEffect } from 'react';
import { Volume } from 'lucide-react';

// Reads a reply aloud with the browser's own speech synthesis (no audio leaves the browser).
// Only fresh replies speak: a thread reopened later stays quiet.
const FRESH_MS = 60000;

export default function SpeakReply() {
  useEffect(() => {
    const synth = window.speechSynthesis;
    const made = Date.parse(props.at || '');
    if (!synth || !props.text || !(Date.now() - made < FRESH_MS)) return;
    synth.cancel();
    const utterance = new SpeechSynthesisUtterance(props.text);
    utterance.lang = 'en-US';
    synth.speak(utterance);
  }, [props.text, props.at]);
  return (
    <span
      data-testid="spoken-reply"
      className="inline-flex items-center gap-1 text-xs text-muted-foreground"
    >
      <Volume className="h-3 w-3 shrink-0" aria-hidden="true" />
      read aloud
    </span>
  );
}
