/**
 * Counters and gauges exposed at /metrics in the Prometheus text format. Kept as
 * plain numbers on the hot path; rendering happens only when scraped.
 */
export class Metrics {
  readonly counters = {
    connections_total: 0,
    logins_total: 0,
    login_failures_total: 0,
    messages_routed_total: 0,
    messages_stored_total: 0,
    messages_delivered_total: 0,
    messages_acked_total: 0,
    dropped_by_limit_total: 0,
    protocol_errors_total: 0,
    slow_consumers_total: 0,
    connections_refused_total: 0,
    http_busy_total: 0,
    streams_started_total: 0,
    segments_sent_total: 0,
    hls_requests_total: 0,
    commits_total: 0,
    unused_names_expired_total: 0,
  };
  private readonly gauges = new Map<string, () => number>();

  /** Registers a gauge read at scrape time (connections, stored messages, ingest progress). */
  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  inc(name: keyof Metrics['counters'], by = 1): void {
    this.counters[name] += by;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(this.counters)) {
      lines.push(`# TYPE sealcast_${name} counter`, `sealcast_${name} ${value}`);
    }
    for (const [name, read] of this.gauges) {
      lines.push(`# TYPE sealcast_${name} gauge`, `sealcast_${name} ${read()}`);
    }
    return lines.join('\n') + '\n';
  }
}
