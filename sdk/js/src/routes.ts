// Every HTTP route the SDK calls, keyed by the MissiveClient method that calls it. The client
// builds its requests from this table only, and test/openapi.test.mjs checks that it and
// docs/openapi.yaml list the same method+path pairs, so a route added to the server's
// contract without an SDK method (or a typo in a path here) fails a test.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  readonly method: HttpMethod;
  /** OpenAPI path template: {name} segments are filled from the call's path parameters. */
  readonly path: string;
}

export const ROUTES = {
  health: { method: 'GET', path: '/healthz' },
  login: { method: 'POST', path: '/v1/sessions' },
  logout: { method: 'DELETE', path: '/v1/sessions/current' },
  me: { method: 'GET', path: '/v1/me' },

  createUser: { method: 'POST', path: '/v1/users' },
  listUsers: { method: 'GET', path: '/v1/users' },
  getUser: { method: 'GET', path: '/v1/users/{id}' },
  getUserByHandle: { method: 'GET', path: '/v1/users/by-handle/{handle}' },
  updateUser: { method: 'PATCH', path: '/v1/users/{id}' },
  deactivateUser: { method: 'POST', path: '/v1/users/{id}/deactivate' },
  activateUser: { method: 'POST', path: '/v1/users/{id}/activate' },

  createGroup: { method: 'POST', path: '/v1/groups' },
  listGroups: { method: 'GET', path: '/v1/groups' },
  getGroup: { method: 'GET', path: '/v1/groups/{id}' },
  updateGroup: { method: 'PATCH', path: '/v1/groups/{id}' },
  deactivateGroup: { method: 'POST', path: '/v1/groups/{id}/deactivate' },
  activateGroup: { method: 'POST', path: '/v1/groups/{id}/activate' },
  groupMembers: { method: 'GET', path: '/v1/groups/{id}/members' },
  addMember: { method: 'PUT', path: '/v1/groups/{id}/members/{user_id}' },
  removeMember: { method: 'DELETE', path: '/v1/groups/{id}/members/{user_id}' },
  previewRule: { method: 'POST', path: '/v1/groups/preview' },

  policy: { method: 'GET', path: '/v1/policy' },
  setPolicy: { method: 'PUT', path: '/v1/policy' },

  send: { method: 'POST', path: '/v1/messages' },
  getMessage: { method: 'GET', path: '/v1/messages/{id}' },
  setExpiry: { method: 'PATCH', path: '/v1/messages/{id}' },
  withdraw: { method: 'POST', path: '/v1/messages/{id}/withdraw' },
  reply: { method: 'POST', path: '/v1/messages/{id}/replies' },
  thread: { method: 'GET', path: '/v1/messages/{id}/thread' },
  markRead: { method: 'POST', path: '/v1/messages/{id}/read' },

  inbox: { method: 'GET', path: '/v1/inbox' },
  conversations: { method: 'GET', path: '/v1/conversations' },
  markConversationRead: { method: 'POST', path: '/v1/conversations/{id}/read' },
  conversationMessages: { method: 'GET', path: '/v1/conversations/{id}/messages' },
  search: { method: 'GET', path: '/v1/search' },

  dashboard: { method: 'GET', path: '/v1/dashboard' },
  readReport: { method: 'GET', path: '/v1/dashboard/{message_id}' },
  readHistory: { method: 'GET', path: '/v1/dashboard/{message_id}/history' },

  updateReminders: { method: 'PATCH', path: '/v1/messages/{id}/reminders' },
  reminders: { method: 'GET', path: '/v1/reminders' },
  dueReminders: { method: 'GET', path: '/v1/reminders/due' },
  planReminders: { method: 'POST', path: '/v1/reminders/plan' },

  mediaConfig: { method: 'GET', path: '/v1/media/config' },
  createUpload: { method: 'POST', path: '/v1/uploads' },
  getUpload: { method: 'GET', path: '/v1/uploads/{id}' },
  tusCreate: { method: 'POST', path: '/v1/tus' },
  tusAppend: { method: 'PATCH', path: '/v1/tus/{id}' },
  cancelUpload: { method: 'DELETE', path: '/v1/tus/{id}' },
  attachment: { method: 'GET', path: '/v1/attachments/{id}' },
  attachmentThumbnail: { method: 'GET', path: '/v1/attachments/{id}/thumbnail' },

  emailSettings: { method: 'GET', path: '/v1/users/{id}/email' },
  setEmail: { method: 'PUT', path: '/v1/users/{id}/email' },
  setEmailPreferences: { method: 'PATCH', path: '/v1/users/{id}/email' },
  removeEmail: { method: 'DELETE', path: '/v1/users/{id}/email' },
  confirmEmail: { method: 'POST', path: '/v1/email/confirm' },
  unsubscribePage: { method: 'GET', path: '/v1/unsubscribe' },
  unsubscribe: { method: 'POST', path: '/v1/unsubscribe' },

  listWebhooks: { method: 'GET', path: '/v1/webhooks' },
  createWebhook: { method: 'POST', path: '/v1/webhooks' },
  getWebhook: { method: 'GET', path: '/v1/webhooks/{id}' },
  updateWebhook: { method: 'PATCH', path: '/v1/webhooks/{id}' },
  deleteWebhook: { method: 'DELETE', path: '/v1/webhooks/{id}' },
  webhookDeliveries: { method: 'GET', path: '/v1/webhooks/{id}/deliveries' },
  notifications: { method: 'GET', path: '/v1/notifications' },
  outboxSummary: { method: 'GET', path: '/v1/notifications/summary' },
  getNotification: { method: 'GET', path: '/v1/notifications/{id}' },
  replayNotification: { method: 'POST', path: '/v1/notifications/{id}/replay' },

  sync: { method: 'GET', path: '/v1/sync' },
  ack: { method: 'POST', path: '/v1/sync/ack' },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/** Fills a path template: fillPath('/v1/users/{id}', {id: 3}) is '/v1/users/3'. */
export function fillPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
}
