import { CircleCheck, CircleMinus, KeyRound, Server } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/e2e/test_theme.py).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
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

function Host({ host }) {
  const name = host.name;
  return (
    <li
      data-testid={'host-row-' + name}
      aria-label={'Host ' + name}
      className="flex flex-col gap-1 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <Server className="h-4 w-4 text-muted-foreground" aria-hidden="true" />
        <span className="font-semibold text-foreground">{name}</span>
        <span data-testid={'host-login-' + name} className="text-sm text-foreground">
          {host.login}
        </span>
        <ToneBadge tone={host.seen_tone} label={host.last_seen_text} testId={'host-seen-' + name} />
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
        <KeyRound className="h-3 w-3" aria-hidden="true" />
        <span>{'pinned ' + (host.key_type || 'key')}</span>
        <code
          data-testid={'host-fingerprint-' + name}
          className="text-xs text-foreground"
          style={{ overflowWrap: 'anywhere' }}
        >
          {host.fingerprint}
        </code>
        <span>{host.added_text}</span>
      </div>
    </li>
  );
}

export default function HostsPanel() {
  const p = props || {};
  const hosts = Array.isArray(p.hosts) ? p.hosts : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="hosts-panel"
      data-jarvis="panel"
      aria-label="Other hosts"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Other hosts</h3>
        <span className="text-sm text-muted-foreground" data-testid="hosts-summary">
          {(p.total || 0) + (p.total === 1 ? ' host' : ' hosts') + ' over SSH'}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not list the hosts: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !hosts.length ? (
        <p className="text-sm text-muted-foreground">
          No other hosts are registered (jarvis hosts add NAME --ssh USER@ADDRESS --key FILE).
        </p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Hosts">
        {hosts.map((h) => (
          <Host key={h.name} host={h} />
        ))}
      </ul>
    </section>
  );
}
