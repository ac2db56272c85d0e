// #/admin/policy: the organisation's policy (GET/PUT /v1/policy): who may create groups and
// rule groups, from what audience a send needs a permission, who sees users' attributes.
import { useEffect, useState } from 'preact/hooks';
import type { Policy } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useLatest, useSubmit, useTitle } from '../hooks.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';

export function AdminPolicy({ client }: PageProps) {
  useTitle('Policy');
  const current = useLatest(() => client.policy(), [client]);
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [audience, setAudience] = useState('');
  const [status, setStatus] = useState('');
  useEffect(() => {
    if (current.data) {
      setPolicy(current.data);
      setAudience(String(current.data.large_audience));
    }
  }, [current.data]);

  const { busy, error, submit } = useSubmit(async () => {
    if (!policy) return;
    if (!/^[0-9]{1,10}$/.test(audience.trim())) throw new Error('The large audience must be a whole number of recipients.');
    const saved = await client.setPolicy({ ...policy, large_audience: Number(audience.trim()) });
    setPolicy(saved);
    setAudience(String(saved.large_audience));
    setStatus('Saved the policy.');
  });

  if (isForbidden(current.error) || isForbidden(error)) return <AdminOnly />;
  const set = (change: Partial<Policy>) => policy && setPolicy({ ...policy, ...change });

  return (
    <section class="admin-page" aria-labelledby="admin-policy-title">
      <h1 id="admin-policy-title">Policy</h1>
      <p class="hint">Who may see and reach whom. Admins are never limited by it; users get
        permissions on the Users page.</p>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <ErrorNote error={current.error} />
      {policy && (
        <form class="admin-form card" onSubmit={submit} aria-labelledby="policy-form-title">
          <h2 id="policy-form-title">Organisation policy</h2>
          <div class="admin-fields">
            <label for="policy-create-groups">Who may create groups</label>
            <select id="policy-create-groups" value={policy.create_groups}
              onChange={(e) => set({ create_groups: e.currentTarget.value as Policy['create_groups'] })}>
              <option value="everyone">Everyone</option>
              <option value="granted">Admins and users granted it</option>
            </select>
            <label for="policy-create-rule-groups">Who may create rule groups</label>
            <select id="policy-create-rule-groups" value={policy.create_rule_groups}
              onChange={(e) => set({ create_rule_groups: e.currentTarget.value as Policy['create_rule_groups'] })}>
              <option value="everyone">Everyone</option>
              <option value="granted">Admins and users granted it</option>
            </select>
            <label for="policy-large-audience">Sends reaching more recipients than this need a permission</label>
            <input id="policy-large-audience" inputMode="numeric" required value={audience}
              onInput={(e) => setAudience(e.currentTarget.value)} />
            <label for="policy-see-attributes">Who sees other users’ attributes</label>
            <select id="policy-see-attributes" value={policy.see_attributes}
              onChange={(e) => set({ see_attributes: e.currentTarget.value as Policy['see_attributes'] })}>
              <option value="admins">Admins only</option>
              <option value="granted">Admins and users granted it</option>
              <option value="everyone">Everyone</option>
            </select>
          </div>
          <ErrorNote error={error} />
          <button type="submit" class="primary" disabled={busy}>Save policy</button>
        </form>
      )}
    </section>
  );
}
