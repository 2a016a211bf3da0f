import { describe, expect, it } from 'vitest';
import { mediumGate, type MediumFacts } from '../../../src/plan/medium-gate.js';

const A = { format: 'zbak-medium' as const, version: 1 as const, id: 'aaaaaaaa-0000-4000-8000-00000000000a', label: 'usb-a', createdAt: '2026-11-01T00:00:00Z' };
const fresh = { id: 'bbbbbbbb-0000-4000-8000-00000000000b', now: '2026-12-01T02:30:00.000Z' };
const facts = (f: Partial<MediumFacts>): MediumFacts => ({ dir: '/archive', mounted: true, identity: { kind: 'valid', value: A }, ...f });

describe('mediumGate', () => {
  it('admits a mounted disk that is one of the media', () => {
    expect(mediumGate(facts({}), { labels: ['usb-a', 'usb-b'] }, fresh)).toEqual({ ok: true, create: false, identity: A });
    expect(mediumGate(facts({}), { labels: [] }, fresh)).toEqual({ ok: true, create: false, identity: A });
  });
  it('gives a disk without identity the new label, only when asked and only one of the set', () => {
    const none = facts({ identity: { kind: 'none' } });
    expect(mediumGate(none, { labels: ['usb-a', 'usb-b'], newLabel: 'usb-b' }, fresh)).toEqual({
      ok: true, create: true, identity: { format: 'zbak-medium', version: 1, id: fresh.id, label: 'usb-b', createdAt: fresh.now },
    });
    expect(mediumGate(none, { labels: ['usb-a'] }, fresh)).toEqual({ ok: false, why: 'the disk at /archive is not a zbak medium yet; to start using it, add --new-medium LABEL (media: usb-a)' });
    expect(mediumGate(none, { labels: ['usb-a'], newLabel: 'usb-c' }, fresh)).toEqual({ ok: false, why: '--new-medium usb-c is not one of this save\'s media (usb-a)' });
  });
  it.each([
    ['a bare folder', facts({ mounted: false }), { labels: ['usb-a'] }, '/archive is not a mounted disk (it is a folder on the disk below it): plug in and mount the backup disk (media: usb-a)'],
    ['another disk', facts({}), { labels: ['usb-b', 'usb-c'] }, 'the disk at /archive is medium usb-a (aaaaaaaa-0000-4000-8000-00000000000a), not one of this save\'s media (usb-b, usb-c)'],
    ['a relabel', facts({}), { labels: [], newLabel: 'usb-z' }, 'the disk at /archive is already medium usb-a (aaaaaaaa-0000-4000-8000-00000000000a); --new-medium usb-z only names a disk without identity'],
    ['a damaged identity', facts({ identity: { kind: 'invalid', why: 'label: not a medium label' } }), { labels: [] }, '/archive/.zbak-medium.json is not a zbak medium identity (label: not a medium label); check the disk, or move the file away and use --new-medium LABEL'],
  ])('refuses %s', (_w, f, want, why) => {
    expect(mediumGate(f, want, fresh)).toEqual({ ok: false, why });
  });
});
