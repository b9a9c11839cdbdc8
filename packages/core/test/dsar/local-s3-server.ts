import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for S3 on loopback: the subset an artifact store uses —
 * PUT, GET, HEAD and DELETE of an object, path-style (`/<bucket>/<key>`) —
 * so the real SDK is tested over real HTTP. Signatures are not verified, but
 * a request without a SigV4 Authorization header is refused as S3 refuses it.
 * Objects live in memory with their content type and the server-side
 * encryption asked for.
 */
export interface LocalS3 {
  readonly endpoint: string;
  readonly objects: Map<string, { body: Buffer; contentType: string; sse: string | undefined }>;
  readonly requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

function xmlError(res: ServerResponse, status: number, code: string, method: string): void {
  res.statusCode = status;
  if (method === 'HEAD') return void res.end();
  res.setHeader('content-type', 'application/xml');
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>local</RequestId></Error>`);
}

export async function startLocalS3(bucket: string): Promise<LocalS3> {
  const objects: LocalS3['objects'] = new Map();
  const requests: LocalS3['requests'] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? '')) return xmlError(res, 403, 'AccessDenied', method);
    const prefix = `/${bucket}/`;
    if (!url.pathname.startsWith(prefix)) return xmlError(res, 404, 'NoSuchBucket', method);
    const key = decodeURIComponent(url.pathname.slice(prefix.length));
    if (method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (req.headers['content-length'] === undefined || Number(req.headers['content-length']) !== body.length) return xmlError(res, 411, 'MissingContentLength', method);
      const sse = req.headers['x-amz-server-side-encryption'];
      objects.set(key, { body, contentType: req.headers['content-type'] ?? 'binary/octet-stream', sse: typeof sse === 'string' ? sse : undefined });
      res.setHeader('etag', '"local"');
      return void res.end();
    }
    const object = objects.get(key);
    if (method === 'DELETE') {
      objects.delete(key);
      res.statusCode = 204;
      return void res.end();
    }
    if (method !== 'GET' && method !== 'HEAD') return xmlError(res, 405, 'MethodNotAllowed', method);
    if (!object) return xmlError(res, 404, method === 'HEAD' ? 'NotFound' : 'NoSuchKey', method);
    res.setHeader('content-type', object.contentType);
    res.setHeader('content-length', object.body.length);
    res.setHeader('etag', '"local"');
    res.end(method === 'HEAD' ? undefined : object.body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => xmlError(res, 500, 'InternalError', req.method ?? 'GET'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
