// Small helpers shared by the SDK's tests and the web page's browser tests (web/test imports
// them through a relative path). No dependencies, so a test can import it without `ws` or a
// browser driver.

// Polls predicate() until it returns something truthy, which is returned; throws after
// `timeoutMs`. For state that arrives live and has nothing else to wait on.
export async function waitFor(what, predicate, timeoutMs = 10000, stepMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// The UTC calendar day `offsetDays` from now, as YYYY-MM-DD (expiry dates, reminder plans).
export function day(offsetDays) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

// The password the tests give a user they create: one convention, so any test can log in as
// any user it made.
export function passwordFor(handle) {
  return `${handle}-password`;
}
