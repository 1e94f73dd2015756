import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  CircleCheck,
  CircleMinus,
  CircleX,
  Clock,
  HeartPulse,
  LoaderCircle,
  RotateCw,
  TriangleAlert
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

const BUTTONS = {
  health: { label: 'Check health', Icon: HeartPulse },
  renew: { label: 'Renew cert', Icon: RotateCw }
};

const DEFAULT_TOOLS = { health: 'domains.health', renew: 'domains.renew_ssl' };

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Without it the widget still draws, but keeps no state across re-renders and its buttons
// answer why.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
    };

function replyText(reply) {
  if (typeof reply === 'string') return reply;
  if (!reply || typeof reply !== 'object') return 'done';
  if (reply.text) return String(reply.text);
  if (reply.error) return 'failed: ' + reply.error;
  if (reply.status === 'approval_required') return 'needs approval — see the card below';
  if (reply.status === 'denied') return 'denied: ' + (reply.reason || reply.message || 'by policy');
  if (reply.status === 'error') return 'failed: ' + (reply.message || 'unknown error');
  return 'done';
}

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

function Row({ row, tools, action, outcome, pending, onAct }) {
  const fqdn = row.fqdn;
  const health = outcome && outcome.health ? outcome.health : row.health;
  const healthTone = outcome && outcome.health_tone ? outcome.health_tone : row.health_tone;
  const certTone = outcome && outcome.cert_tone ? outcome.cert_tone : row.cert_tone;
  const certText = outcome && outcome.cert_text ? outcome.cert_text : row.cert_text;
  return (
    <li
      data-testid={'domain-row-' + fqdn}
      aria-label={'Domain ' + fqdn}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {fqdn}
        </span>
        <ToneBadge tone={row.status_tone} label={row.status} testId={'domain-status-' + fqdn} />
        {health ? (
          <ToneBadge
            tone={healthTone}
            label={String(health).replace('_', ' ')}
            testId={'domain-health-' + fqdn}
          />
        ) : null}
      </div>
      <dl className="flex flex-wrap gap-2 text-xs" style={{ columnGap: '1rem' }}>
        <div className="flex items-center gap-1 min-w-0">
          <dt className="text-muted-foreground">Target</dt>
          <dd className="text-foreground font-mono" style={{ overflowWrap: 'anywhere' }}>
            {row.target || '—'}
          </dd>
        </div>
        <div className="flex items-center gap-1 min-w-0">
          <dt className="text-muted-foreground">Certificate</dt>
          <dd>
            <ToneBadge
              tone={certTone}
              Icon={certTone === 'ok' ? Clock : undefined}
              label={certText}
              testId={'domain-cert-' + fqdn}
            />
          </dd>
        </div>
        {row.cert_not_after ? (
          <div className="flex items-center gap-1 min-w-0">
            <dt className="text-muted-foreground">Expires</dt>
            <dd className="text-foreground tabular-nums">
              {String(row.cert_not_after).slice(0, 10)}
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="flex flex-wrap items-center gap-2">
        {(row.buttons || []).map((key) => {
          const spec = BUTTONS[key];
          if (!spec) return null;
          const Icon = pending === key ? LoaderCircle : spec.Icon;
          return (
            <Button
              key={key}
              size="sm"
              variant="outline"
              data-testid={key + '-' + fqdn}
              aria-label={spec.label + ' ' + fqdn}
              disabled={Boolean(pending)}
              onClick={() => onAct(fqdn, key, tools[key] || DEFAULT_TOOLS[key], action)}
            >
              <Icon className={pending === key ? 'animate-spin' : undefined} aria-hidden="true" />
              {spec.label}
            </Button>
          );
        })}
        <span
          role="status"
          aria-live="polite"
          data-testid={'domain-row-status-' + fqdn}
          className="text-sm text-foreground"
        >
          {pending ? 'working…' : outcome ? outcome.text : ''}
        </span>
      </div>
    </li>
  );
}

export default function DomainTable() {
  const p = props || {};
  const scope = 'DomainTable:' + (p.widget_id || 'default');
  const rows = Array.isArray(p.domains) ? p.domains : [];
  const tools = p.tools || DEFAULT_TOOLS;
  const action = p.action || 'jarvis_tool';
  const [pending, setPending] = usePersisted(scope, 'pending', {});
  const [outcomes, setOutcomes] = usePersisted(scope, 'outcomes', {});

  const onAct = useCallback(
    async (fqdn, key, tool, actionName) => {
      setPending((prev) => ({ ...prev, [fqdn]: key }));
      const reply = await call(actionName, { tool, args: { fqdn } });
      const extra = reply && typeof reply === 'object' ? reply : {};
      setOutcomes((prev) => ({ ...prev, [fqdn]: { ...extra, text: replyText(reply) } }));
      setPending((prev) => {
        const next = { ...prev };
        delete next[fqdn];
        return next;
      });
    },
    [setPending, setOutcomes]
  );

  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="domain-table"
      aria-label="Domains"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Domains</h3>
        <span className="text-sm text-muted-foreground" data-testid="domain-summary">
          {(p.active || 0) + ' active of ' + (p.total || rows.length)}
          {p.expiring ? ', ' + p.expiring + ' certificates expiring' : ''}
          {p.unhealthy ? ', ' + p.unhealthy + ' unhealthy' : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not list domains: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !rows.length ? (
        <p className="text-sm text-muted-foreground">No domains yet.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Domain list">
        {rows.map((row) => (
          <Row
            key={row.fqdn}
            row={row}
            tools={tools}
            action={action}
            outcome={outcomes[row.fqdn]}
            pending={pending[row.fqdn]}
            onAct={onAct}
          />
        ))}
      </ul>
    </section>
  );
}
