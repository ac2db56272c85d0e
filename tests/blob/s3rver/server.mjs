// s3rver, an S3-compatible server on 127.0.0.1 for the BlobStore tests.
//
//   node server.mjs DIR BUCKET
//
// Stores objects under DIR/data, creates BUCKET, listens on a free port and, once listening,
// writes DIR/url (http://127.0.0.1:PORT) through a rename so a reader never sees half of it.
// Runs until SIGTERM or SIGINT. Path-style requests only (no virtual-host buckets), and every
// request's SigV4 signature is checked against s3rver's fixed key pair S3RVER / S3RVER.
import fs from 'node:fs';
import path from 'node:path';
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
if (!dir || !bucket) {
  console.error('usage: node server.mjs DIR BUCKET');
  process.exit(2);
}
fs.mkdirSync(path.join(dir, 'data'), { recursive: true });

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: path.join(dir, 'data'),
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
const url = `http://127.0.0.1:${port}`;
fs.writeFileSync(path.join(dir, 'url.tmp'), url + '\n');
fs.renameSync(path.join(dir, 'url.tmp'), path.join(dir, 'url'));

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
