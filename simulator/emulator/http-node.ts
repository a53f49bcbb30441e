import { createServer, type Server } from 'node:http';
import type { Gen1Uni } from './gen1-uni.ts';
import { listenHttp } from './listen-http.ts';
import {
  BTN_TYPES,
  type BtnType,
  SHUNI_CIT_D,
  settingsBody,
  shellyBody,
  statusBody,
} from './uni-http-bodies.ts';

export interface HttpNodeOptions {
  device: Gen1Uni;
  port?: number;
  host?: string;
  gen?: 'gen1' | 'plus';
}

export interface HttpNode {
  port: number;
  close(): Promise<void>;
}

/**
 * The HTTP API of an emulated Uni (reference §5): Gen1 `/shelly`, `/settings`, `/settings/relay/<i>` (GET, with
 * `btn_type=` to change it), `/status`, `/cit/d` (FW ≥ 1.10), `/reboot`; a Plus Uni answers `/shelly` only.
 */
export async function startHttpNode(options: HttpNodeOptions): Promise<HttpNode> {
  const { device } = options;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://device');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const s = device.snapshot();
    if (options.gen === 'plus') {
      if (url.pathname === '/shelly')
        return json(200, {
          id: device.id,
          mac: device.mac,
          model: 'SNSN-0043X',
          gen: 2,
          fw_id: '20240625-122917/1.3.3-gbdfd9b3',
          ver: '1.3.3',
          app: 'PlusUni',
          auth_en: false,
        });
      return json(404, { code: 404, message: 'Not Found' });
    }
    const relay = /^\/settings\/relay\/([01])$/.exec(url.pathname);
    if (relay) {
      const input = Number(relay[1]);
      const wanted = url.searchParams.get('btn_type');
      if (wanted !== null) {
        if (!BTN_TYPES.includes(wanted as BtnType)) return json(400, `Bad btn_type ${wanted}`);
        device.setBtnType(input, wanted as BtnType);
      }
      return json(200, settingsBody(device.snapshot()).relays[input]);
    }
    switch (url.pathname) {
      case '/shelly':
        return json(200, shellyBody(s));
      case '/settings':
        return json(200, settingsBody(s));
      case '/status':
        return json(200, statusBody(s));
      case '/cit/d':
        return json(200, SHUNI_CIT_D);
      case '/reboot':
        json(200, { ok: true });
        device.reboot();
        return;
      default:
        return json(404, 'Not Found');
    }
  });
  return listenHttp(server, options.port, options.host);
}
