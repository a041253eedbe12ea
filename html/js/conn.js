// The WebSocket, reconnected with exponential backoff (0.5 s doubling to
// 15 s, +-20 % jitter; back to 0.5 s once a connection has said hello).

export function backoff(attempt, rnd = Math.random) {
    const base = Math.min(15000, 500 * 2 ** Math.min(attempt, 10));
    return Math.round(base * (0.8 + 0.4 * rnd()));
}

export class Connection {
    constructor(url, { onMessage, onStatus, protocols }) {
        this.url = url;
        this.protocols = protocols;
        this.onMessage = onMessage;
        this.onStatus = onStatus;
        this.ws = null;
        this.attempt = 0;
        this.timer = null;
        this.retryAt = null;
        this.status = 'idle';
        this.closedBy = null;
        this.connects = 0;
    }

    set(status, detail) {
        this.status = status;
        this.onStatus(status, detail);
    }

    connect() {
        clearTimeout(this.timer);
        this.timer = null;
        this.retryAt = null;
        if (this.ws) {
            this.ws.onclose = this.ws.onerror = this.ws.onmessage = null;
            this.ws.close();
        }
        this.set('connecting');
        const ws = new WebSocket(this.url, this.protocols);
        this.ws = ws;
        ws.onopen = () => {
            this.connects++;
            this.set('open');
        };
        ws.onmessage = (e) => this.onMessage(e.data);
        ws.onerror = () => {};          // onclose follows and says it
        ws.onclose = (e) => {
            if (this.ws !== ws) return;
            this.ws = null;
            this.closedBy = { code: e.code, reason: e.reason };
            this.schedule();
        };
    }

    // the stream answered (hello): the next failure starts from 0.5 s
    healthy() {
        this.attempt = 0;
    }

    schedule() {
        const ms = backoff(this.attempt++);
        this.retryAt = performance.now() + ms;
        this.set('waiting', this.closedBy);
        this.timer = setTimeout(() => this.connect(), ms);
    }

    send(obj) {
        if (this.ws && this.ws.readyState === WebSocket.OPEN) {
            this.ws.send(JSON.stringify(obj));
            return true;
        }
        return false;
    }
}
