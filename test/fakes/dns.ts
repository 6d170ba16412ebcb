/**
 * An authoritative DNS server on 127.0.0.1 (dns2, UDP, a free port) serving a zone the test sets:
 * the doctor's real resolver (node's c-ares, through CASCADE_DNS_SERVERS) asks it over the wire.
 * A name with no records of the asked type answers NOERROR and nothing (ENODATA); an unknown name
 * NXDOMAIN (ENOTFOUND); `servfail` makes every answer SERVFAIL.
 */
import dns2 from 'dns2';

const { Packet } = dns2;

export type ZoneRecord = { type: 'TXT'; data: string | string[] } | { type: 'MX'; exchange: string; priority: number } | { type: 'CNAME'; domain: string };

export class FakeDns {
  /** Records by lower-case name; set, replace or delete them between tests. */
  readonly zone = new Map<string, ZoneRecord[]>();
  readonly queries: Array<{ name: string; type: string }> = [];
  servfail = false;

  private constructor(
    private readonly server: InstanceType<typeof dns2.UDPServer>,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeDns> {
    let fake: FakeDns | undefined;
    const server = dns2.createUDPServer((request, send) => fake?.answer(request, send));
    await server.listen(0, '127.0.0.1');
    fake = new FakeDns(server, server.address().port);
    return fake;
  }

  /** For CASCADE_DNS_SERVERS. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  set(name: string, ...records: ZoneRecord[]): void {
    this.zone.set(name.toLowerCase(), records);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: InstanceType<typeof Packet>, send: (response: InstanceType<typeof Packet>) => unknown): void {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    if (!question) return void send(response);
    const name = question.name.toLowerCase().replace(/\.$/, '');
    this.queries.push({ name, type: Packet.typeName(question.type) });
    if (this.servfail) {
      response.header.rcode = Packet.RCODE.SERVFAIL;
      return void send(response);
    }
    const records = this.zone.get(name);
    if (!records) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
      return void send(response);
    }
    for (const r of records) {
      const type = Packet.TYPE[r.type];
      if (type !== question.type) continue;
      const rdata = r.type === 'TXT' ? { data: r.data } : r.type === 'MX' ? { exchange: r.exchange, priority: r.priority } : { domain: r.domain };
      response.answers.push(Packet.createResourceFromQuestion(question, { type, class: Packet.CLASS.IN, ttl: 60, ...rdata }));
    }
    send(response);
  }
}
