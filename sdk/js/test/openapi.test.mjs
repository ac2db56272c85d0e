// The SDK agrees with docs/openapi.yaml ($MISSIVE_OPENAPI if set): every method+path of the
// contract has a ROUTES entry (and a MissiveClient method of that name), every ROUTES entry is
// in the contract, and the property names of the interfaces in src/types.ts (read with the
// TypeScript compiler API) equal those of the corresponding schemas. The last test checks real
// responses of a server against the same schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import YAML from 'yaml';
import { ROUTES, MissiveClient } from '../dist/index.js';
import { setup } from '../testing/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const openapiPath = process.env.MISSIVE_OPENAPI || resolve(here, '../../../docs/openapi.yaml');
const doc = YAML.parse(readFileSync(openapiPath, 'utf8'));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

// --- the OpenAPI side ---

function deref(node) {
  let n = node;
  while (n && n.$ref) {
    n = n.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o?.[k], doc);
    if (n === undefined) throw new Error(`unresolved ${node.$ref}`);
  }
  return n;
}
const bodySchema = (holder) => deref(deref(holder).content['application/json'].schema);
const schema = (name) => deref(doc.components.schemas[name]);
function operation(path, method) {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`openapi.yaml has no ${method.toUpperCase()} ${path}`);
  return op;
}
const response = (path, method, status) => bodySchema(operation(path, method).responses[status]);
const request = (path, method) => bodySchema(operation(path, method).requestBody);
const prop = (s, name) => deref(s.properties[name]);
const items = (s) => deref(s.items);
// The properties of a schema, those of the schemas it is made of (allOf) included.
const allProperties = (s) => {
  const d = deref(s);
  return Object.assign({}, ...(d.allOf ?? []).map(allProperties), d.properties ?? {});
};
const names = (s) => Object.keys(allProperties(s)).sort();

// --- the TypeScript side ---

const source = ts.createSourceFile('types.ts', readFileSync(resolve(here, '../src/types.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
const decls = new Map();
for (const st of source.statements) {
  if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) decls.set(st.name.text, st);
}

// The members of a type node: interfaces (with what they extend), type literals, arrays
// (their element), `X | null` (X), and unions of interfaces (all their members).
function members(node) {
  if (ts.isInterfaceDeclaration(node)) {
    const own = node.members.filter((m) => m.name).map((m) => [m.name.text, m]);
    const inherited = (node.heritageClauses ?? []).flatMap((h) => h.types.flatMap((t) => [...members(decls.get(t.expression.text))]));
    return new Map([...inherited, ...own]);
  }
  if (ts.isTypeAliasDeclaration(node)) return members(node.type);
  if (ts.isTypeLiteralNode(node)) return new Map(node.members.map((m) => [m.name.text, m]));
  if (ts.isArrayTypeNode(node)) return members(node.elementType);
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.text;
    if (name === 'Array') return members(node.typeArguments[0]);
    return members(decls.get(name));
  }
  if (ts.isUnionTypeNode(node)) {
    const parts = node.types.filter((t) => !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword));
    return new Map(parts.flatMap((t) => [...members(t)]));
  }
  throw new Error(`cannot list the members of ${ts.SyntaxKind[node.kind]}`);
}
function tsNames(path) {
  const [root, ...rest] = path.split('.');
  let m = members(decls.get(root));
  for (const p of rest) m = members(m.get(p).type);
  return [...m.keys()].sort();
}

// --- the mapping: SDK type (Name.member for nested ones) -> where openapi.yaml describes it ---

const MAPPING = {
  User: () => schema('User'),
  Group: () => schema('Group'),
  Message: () => schema('Message'),
  ReminderSettings: () => schema('ReminderSettings'),
  ReminderSchedule: () => schema('ReminderSchedule'),
  Reminder: () => schema('ReceivedReminder'),
  ThreadNode: () => schema('ThreadNode'),
  Thread: () => response('/v1/messages/{id}/thread', 'get', '200'),
  Conversation: () => schema('Conversation'),
  MessageSlot: () => schema('MessageSlot'),
  SyncEntry: () => schema('SyncEntry'),
  ReadOutcome: () => schema('ReadOutcomeBody'),
  DashboardRow: () => schema('DashboardRow'),
  ReadReport: () => schema('ReadReport'),
  GroupReadRow: () => items(prop(schema('ReadReport'), 'groups')),
  RecipientReadRow: () => items(prop(schema('ReadReport'), 'recipients')),
  'ErrorBody.error': () => prop(schema('Error'), 'error'),
  Health: () => response('/healthz', 'get', '200'),
  Session: () => response('/v1/sessions', 'post', '201'),
  UserPage: () => response('/v1/users', 'get', '200'),
  GroupList: () => response('/v1/groups', 'get', '200'),
  GroupMembers: () => response('/v1/groups/{id}/members', 'get', '200'),
  InboxPage: () => response('/v1/inbox', 'get', '200'),
  ConversationList: () => response('/v1/conversations', 'get', '200'),
  SlotPage: () => response('/v1/conversations/{id}/messages', 'get', '200'),
  SyncPage: () => response('/v1/sync', 'get', '200'),
  SearchPage: () => response('/v1/search', 'get', '200'),
  SearchResult: () => items(prop(response('/v1/search', 'get', '200'), 'results')),
  SearchHitThread: () => prop(items(prop(response('/v1/search', 'get', '200'), 'results')), 'thread'),
  DashboardPage: () => response('/v1/dashboard', 'get', '200'),
  ReminderPage: () => response('/v1/reminders', 'get', '200'),
  DueReminders: () => response('/v1/reminders/due', 'get', '200'),
  DueReminder: () => items(prop(response('/v1/reminders/due', 'get', '200'), 'due')),
  CreateUserRequest: () => request('/v1/users', 'post'),
  UpdateUserRequest: () => request('/v1/users/{id}', 'patch'),
  CreateGroupRequest: () => request('/v1/groups', 'post'),
  UpdateGroupRequest: () => request('/v1/groups/{id}', 'patch'),
  SendRequest: () => request('/v1/messages', 'post'),
  Recipients: () => prop(request('/v1/messages', 'post'), 'to'),
  ReplyRequest: () => request('/v1/messages/{id}/replies', 'post'),
  UpdateRemindersRequest: () => request('/v1/messages/{id}/reminders', 'patch'),
  RulePreview: () => response('/v1/groups/preview', 'post', '200'),
  Policy: () => schema('Policy'),
  PlanRemindersRequest: () => request('/v1/reminders/plan', 'post'),
  ReminderPlan: () => response('/v1/reminders/plan', 'post', '200'),
  'ReminderPlan.dates': () => items(prop(response('/v1/reminders/plan', 'post', '200'), 'dates')),
  ReadHistory: () => response('/v1/dashboard/{message_id}/history', 'get', '200'),
  'ReadHistory.reads': () => items(prop(response('/v1/dashboard/{message_id}/history', 'get', '200'), 'reads')),
  MediaInfo: () => schema('Media'),
  Attachment: () => schema('Attachment'),
  Upload: () => schema('Upload'),
  MediaConfig: () => schema('MediaConfig'),
  'MediaConfig.tus': () => prop(schema('MediaConfig'), 'tus'),
  'ReadHistory.rounds': () => items(prop(response('/v1/dashboard/{message_id}/history', 'get', '200'), 'rounds')),
  EmailSettings: () => schema('EmailSettings'),
  EmailPreferences: () => request('/v1/users/{id}/email', 'patch'),
  EmailConfirmation: () => response('/v1/email/confirm', 'post', '200'),
  WebhookRequest: () => schema('WebhookRequest'),
  Webhook: () => schema('Webhook'),
  WebhookList: () => response('/v1/webhooks', 'get', '200'),
  Notification: () => schema('Notification'),
  NotificationPage: () => response('/v1/notifications', 'get', '200'),
  OutboxSummary: () => response('/v1/notifications/summary', 'get', '200'),
};

// Fields the SDK sends that the contract leaves out on purpose: none today. (An entry here
// must say why.)
const SDK_ONLY = {};

test('every method+path of openapi.yaml has a ROUTES entry and a client method, and back', () => {
  const contract = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method]) contract.push(`${method.toUpperCase()} ${path}`);
  }
  const sdk = Object.entries(ROUTES).map(([, r]) => `${r.method} ${r.path}`);
  const missingInSdk = contract.filter((x) => !sdk.includes(x));
  const missingInContract = sdk.filter((x) => !contract.includes(x));
  assert.deepEqual(missingInSdk, [], 'routes of openapi.yaml without an SDK method');
  assert.deepEqual(missingInContract, [], 'SDK routes that openapi.yaml does not list');
  for (const name of Object.keys(ROUTES)) {
    assert.equal(typeof MissiveClient.prototype[name], 'function', `MissiveClient.${name}`);
  }
});

for (const [tsName, locate] of Object.entries(MAPPING)) {
  test(`types.ts ${tsName} has the properties of openapi.yaml`, () => {
    const expected = names(locate());
    const actual = tsNames(tsName).filter((n) => !(SDK_ONLY[tsName] ?? []).includes(n));
    assert.deepEqual(actual, expected);
  });
}

test('every exported interface of types.ts is checked (or is not a wire shape)', () => {
  // EntryBase and the per-kind entries are covered through SyncEntry; ErrorBody through its
  // `error` member.
  const covered = new Set([...Object.keys(MAPPING).map((k) => k.split('.')[0]), 'EntryBase', 'MessageEntry', 'ReadEntry', 'StatusEntry', 'ExpiryEntry', 'ReminderEntry', 'AttachmentEntry']);
  const interfaces = [...decls.values()].filter((d) => ts.isInterfaceDeclaration(d)).map((d) => d.name.text);
  assert.deepEqual(interfaces.filter((n) => !covered.has(n)), []);
});

test('a server\'s responses have exactly the members openapi.yaml lists', async (t) => {
  const env = await setup();
  t.after(() => env.close());
  const ada = await env.user('ada');
  const bob = await env.user('bob');
  const schemaKeys = (name) => Object.keys(doc.components.schemas[name].properties).sort();
  const keys = (o) => Object.keys(o).sort();
  const creatorOnly = ['delivered_count', 'read_count', 'read_percent', 'recipient_count', 'reminders'];

  const m = await ada.client.send({ to: { users: ['bob'] }, subject: 'shape', body: 'shape' });
  assert.deepEqual(keys(m), schemaKeys('Message'));
  assert.deepEqual(keys(await bob.client.getMessage(m.id)), schemaKeys('Message').filter((k) => !creatorOnly.includes(k)));
  assert.deepEqual(keys(await ada.client.me()), schemaKeys('User'));
  // Another user as a non-admin sees them: no attributes, no permissions (the default policy).
  assert.deepEqual(keys(await ada.client.getUserByHandle('bob')), schemaKeys('User').filter((k) => !['attributes', 'permissions'].includes(k)));
  assert.deepEqual(keys(await env.admin.policy()), schemaKeys('Policy'));
  await env.admin.createGroup({ name: 'shape' });
  assert.deepEqual(keys((await env.admin.listGroups()).groups[0]), schemaKeys('Group'));
  assert.deepEqual(keys((await bob.client.conversations()).conversations[0]), schemaKeys('Conversation'));
  const row = (await ada.client.dashboard()).messages[0];
  assert.deepEqual(keys(row), schemaKeys('DashboardRow'));
  const report = await ada.client.readReport(m.id);
  assert.deepEqual(keys(report.message), schemaKeys('DashboardRow'));
  const groupRow = doc.components.schemas.ReadReport.properties.groups.items.properties;
  assert.deepEqual(keys(report.groups[0]), Object.keys(groupRow).sort());
  const recipientRow = Object.keys(doc.components.schemas.ReadReport.properties.recipients.items.properties);
  const reminderOnly = ['deactivated', 'deactivated_at', 'last_reminded_at', 'reminders'];
  assert.deepEqual(keys(report.recipients[0]), recipientRow.filter((k) => !reminderOnly.includes(k)).sort());

  const withReminders = await ada.client.send({
    to: { users: ['bob'] }, subject: 'shape 2', body: '...',
    expiry_date: new Date(Date.now() + 9 * 86400000).toISOString().slice(0, 10), reminders: { frequency: 'daily' },
  });
  assert.deepEqual(keys(withReminders.reminders), schemaKeys('ReminderSchedule'));
  assert.deepEqual(keys((await ada.client.readReport(withReminders.id)).recipients[0]), recipientRow.sort());

  // Timeline entries: the members of each kind are among the schema's, and include the
  // common ones.
  const entries = (await bob.client.sync({ since: 0 })).entries;
  const entryKeys = schemaKeys('SyncEntry');
  for (const e of entries) {
    for (const k of ['seq', 'kind', 'conversation', 'at']) assert.ok(k in e, `${e.kind} entry has ${k}`);
    for (const k of Object.keys(e)) assert.ok(entryKeys.includes(k), `${e.kind} entry member ${k} is in SyncEntry`);
    // The creator's form for the user's own messages, the recipient's form for the others.
    if (e.message?.creator_id === bob.user.id) assert.deepEqual(keys(e.message), schemaKeys('Message'));
    else if (e.message) assert.deepEqual(keys(e.message), schemaKeys('Message').filter((k) => !creatorOnly.includes(k)));
  }
});
