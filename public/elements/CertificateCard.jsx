import {
  CircleCheck,
  CircleMinus,
  CircleX,
  Clock,
  ShieldAlert,
  ShieldCheck,
  TriangleAlert
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

const VERDICTS = {
  ok: 'Valid',
  warning: 'Expires soon',
  critical: 'Expires very soon',
  expired: 'Expired',
  invalid: 'Not trusted'
};

function ToneBadge({ tone, label, testId, Icon }) {
  const t = TONES[tone] || TONES.neutral;
  const Shown = Icon || t.Icon;
  return (
    <span
      data-testid={testId}
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Shown className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  );
}

function Fact({ label, children, testId }) {
  return (
    <div className="flex flex-col min-w-0" data-testid={testId}>
      <dt className="text-xs text-muted-foreground uppercase">{label}</dt>
      <dd className="text-sm text-foreground" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </dd>
    </div>
  );
}

function Check({ ok, yes, no, testId }) {
  return <ToneBadge tone={ok ? 'ok' : 'bad'} label={ok ? yes : no} testId={testId} />;
}

export default function CertificateCard() {
  const p = props || {};
  const where = (p.server_name || p.host || '?') + (p.port && p.port !== 443 ? ':' + p.port : '');
  const failed = p.status === 'error' || p.status === 'denied';
  const trusted = p.verdict && p.verdict !== 'invalid' && p.verdict !== 'expired';
  const Shield = trusted ? ShieldCheck : ShieldAlert;
  return (
    <section
      data-testid="certificate-card"
      aria-label={'Certificate of ' + where}
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="inline-flex items-center gap-2 text-base font-semibold">
          <Shield className="h-4 w-4 shrink-0" aria-hidden="true" />
          <span style={{ overflowWrap: 'anywhere' }}>{'Certificate of ' + where}</span>
        </h3>
        {p.verdict ? (
          <ToneBadge
            tone={p.verdict_tone}
            label={VERDICTS[p.verdict] || p.verdict}
            testId="certificate-verdict"
          />
        ) : null}
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not check the certificate: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {p.error ? (
        <p role="alert" data-testid="certificate-error" className="rounded-md border p-2 text-sm text-foreground">
          {'No certificate read: ' + p.error}
        </p>
      ) : null}
      {p.countdown ? (
        <div className="flex flex-wrap items-center gap-2">
          <ToneBadge
            tone={p.cert_tone}
            Icon={p.cert_tone === 'ok' ? Clock : undefined}
            label={p.countdown}
            testId="certificate-countdown"
          />
          {p.not_after ? (
            <span className="text-xs text-muted-foreground tabular-nums">
              {'until ' + String(p.not_after).replace('T', ' ').slice(0, 16) + ' UTC'}
            </span>
          ) : null}
        </div>
      ) : null}
      {!p.error && p.verdict ? (
        <div className="flex flex-wrap items-center gap-2">
          <Check
            ok={p.chain_verified}
            yes="Chain verified"
            no="Chain not verified"
            testId="certificate-chain"
          />
          <Check
            ok={p.name_matches}
            yes="Name matches"
            no="Name does not match"
            testId="certificate-name"
          />
        </div>
      ) : null}
      {p.verify_error ? (
        <p className="text-xs text-muted-foreground" style={{ overflowWrap: 'anywhere' }}>
          {p.verify_error}
        </p>
      ) : null}
      {!p.error && p.verdict ? (
        <dl className="flex flex-col gap-2">
          <Fact label="Issuer" testId="certificate-issuer">{p.issuer || '—'}</Fact>
          <Fact label="Names" testId="certificate-names">
            {(p.names || []).length ? p.names.join(', ') : '—'}
          </Fact>
          <Fact label="Serial" testId="certificate-serial">
            <span className="font-mono text-xs">{p.serial || '—'}</span>
          </Fact>
          {p.tls_version ? <Fact label="TLS">{p.tls_version}</Fact> : null}
        </dl>
      ) : null}
    </section>
  );
}
