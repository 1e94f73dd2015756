import { CircleCheck, CircleMinus, Clock, TriangleAlert } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/e2e/test_theme.py).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

function ToneBadge({ tone, label, testId }) {
  const t = TONES[tone] || TONES.neutral;
  const Icon = t.Icon;
  return (
    <span
      data-testid={testId}
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Icon className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  );
}

function Stream({ s }) {
  const key = s.key;
  const done = typeof s.progress === 'number' ? s.progress : null;
  return (
    <li
      data-testid={'plex-session-' + key}
      aria-label={'Stream ' + s.title}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span
          data-testid={'plex-title-' + key}
          className="font-semibold text-foreground"
          style={{ overflowWrap: 'anywhere' }}
        >
          {s.title}
        </span>
        <ToneBadge tone={s.state_tone} label={s.state} testId={'plex-state-' + key} />
        <ToneBadge
          tone={s.transcode ? 'warn' : 'neutral'}
          label={s.stream_text}
          testId={'plex-stream-' + key}
        />
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
        <span style={{ overflowWrap: 'anywhere' }}>
          {s.user + (s.player ? ' on ' + s.player : '') + (s.product ? ' (' + s.product + ')' : '')}
        </span>
        {s.time_text ? (
          <span className="flex items-center gap-1 tabular-nums">
            <Clock className="h-3 w-3" aria-hidden="true" />
            {s.time_text}
          </span>
        ) : null}
      </div>
      {done !== null ? (
        <div
          role="progressbar"
          aria-label={'Progress of ' + s.title}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(done)}
          className="h-2 w-full overflow-hidden rounded-full border"
        >
          <div style={{ width: done + '%', height: '100%', backgroundColor: '#15803d' }} />
        </div>
      ) : null}
    </li>
  );
}

export default function PlexNowPlaying() {
  const p = props || {};
  const sessions = Array.isArray(p.sessions) ? p.sessions : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="plex-now-playing"
      data-jarvis="panel"
      aria-label="Playing on Plex"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Playing on Plex</h3>
        <span className="text-sm text-muted-foreground" data-testid="plex-summary">
          {(p.total || 0) + (p.total === 1 ? ' stream' : ' streams')}
          {p.transcoding ? ', ' + p.transcoding + ' transcoding' : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not ask Plex: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !sessions.length ? (
        <p className="text-sm text-muted-foreground">Nothing is playing right now.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Streams">
        {sessions.map((s) => (
          <Stream key={s.key} s={s} />
        ))}
      </ul>
    </section>
  );
}
