import Foundation

/// The page: plain HTML and CSS, no external resource, so it works with no
/// network beyond the dashboard itself. The script is `/dashboard.js`.
enum DashboardPage {
    static func html(title: String) -> [UInt8] {
        Array(template.replacingOccurrences(of: "{{title}}", with: escape(title)).utf8)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static let template = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}}</title>
    <link rel="icon" href="data:,">
    <style>
      :root { --ink: #1d2733; --muted: #66717f; --line: #1f6fd1; --band: rgba(31,111,209,.14);
              --fc: #d9730d; --fc80: rgba(217,115,13,.28); --fc95: rgba(217,115,13,.14); --alert: #c62828; --bg: #f4f6f9; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
      header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: #fff; border-bottom: 1px solid #dde2e8; }
      header h1 { font-size: 18px; margin: 0; }
      #status { color: var(--muted); }
      #status::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #aaa; }
      body[data-state="live"] #status::before { background: #2e9d4f; }
      body[data-state="reconnecting"] #status::before { background: var(--alert); }
      .legend { margin-left: auto; color: var(--muted); font-size: 12px; display: flex; gap: 12px; }
      .legend i { display: inline-block; width: 14px; height: 8px; margin-right: 4px; vertical-align: middle; }
      main { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 14px; padding: 14px 20px; }
      #empty { grid-column: 1 / -1; color: var(--muted); padding: 40px 0; text-align: center; }
      section.key { background: #fff; border: 1px solid #dde2e8; border-radius: 8px; padding: 10px 12px; }
      section.key h2 { font-size: 15px; margin: 0 0 6px; }
      .field { margin-top: 6px; }
      .field .label { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
      .field .label b { color: var(--ink); font-weight: 600; }
      svg.chart { width: 100%; height: auto; display: block; }
      svg.chart text { font-size: 10px; fill: var(--muted); }
      .alerts { font-size: 12px; color: var(--alert); min-height: 0; }
    </style>
    </head>
    <body data-state="connecting">
    <header>
      <h1>{{title}}</h1>
      <span id="status">connecting…</span>
      <span class="legend">
        <span><i style="background: var(--line)"></i>readings</span>
        <span><i style="background: var(--band)"></i>one step ahead, 95%</span>
        <span><i style="background: var(--fc95)"></i>forecast, 80/95%</span>
        <span><i style="background: var(--alert)"></i>alert</span>
      </span>
    </header>
    <main id="charts"><p id="empty">Waiting for records…</p></main>
    <script src="/dashboard.js"></script>
    </body>
    </html>
    """#
}
