// @missive/sdk: the HTTP API client, the sync Device, a small timeline model, and the
// verification of the webhooks the server sends.
export { MissiveClient } from './client.js';
export type { MissiveClientOptions, OutboxParams, SearchParams } from './client.js';
export { ApiError, parseAnswer } from './errors.js';
export { slotMessage } from './slots.js';
export { ROUTES, fillPath } from './routes.js';
export type { Route, RouteName, HttpMethod } from './routes.js';
export { Device } from './device.js';
export type { DeviceOptions, DeviceState, WebSocketLike, WebSocketConstructor } from './device.js';
export { TimelineModel } from './timeline_model.js';
export type { ConversationView, ModelConversation, ModelSlot, TimelineModelOptions } from './timeline_model.js';
export type * from './types.js';
export type { UploadData, UploadOptions } from './upload.js';
export { verifyWebhook, signWebhook, WebhookVerificationError } from './webhooks.js';
export type { VerifyOptions, WebhookHeaders, WebhookPayload } from './webhooks.js';
