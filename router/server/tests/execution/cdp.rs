//! Headless Chromium driven over the Chrome DevTools Protocol (just the commands the browser
//! tests need): launch, open a page, evaluate JavaScript, wait for a condition, and record the
//! page's network requests and console errors.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The browser: Debian's Chromium unless `CHROMIUM` names another (Google Chrome will do).
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// How long any one step (start, a command, a condition) may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// A headless Chromium with one page open; killed, its profile removed, when dropped.
pub struct Browser {
    process: Child,
    profile: PathBuf,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: Option<String>,
    next_id: u64,
    /// Every event received so far (they arrive while commands are answered).
    events: Vec<Value>,
}

impl Browser {
    /// Starts Chromium with a fresh profile and opens a blank page with the network, page and
    /// runtime domains enabled. Fails, saying how to install it, when Chromium is missing.
    pub async fn launch() -> Self {
        let chromium = chromium();
        assert!(
            chromium.exists(),
            "{} is missing: the GraphiQL browser test needs Chromium. Install it with \
             `apt-get install -y chromium` (scripts/test and .ci/run do so when run as root), \
             or set CHROMIUM to a Chromium or Chrome binary",
            chromium.display()
        );
        static LAUNCHED: AtomicUsize = AtomicUsize::new(0);
        let profile = std::env::temp_dir().join(format!(
            "router-chromium-{}-{}",
            std::process::id(),
            LAUNCHED.fetch_add(1, Ordering::Relaxed)
        ));
        // Chromium's own temporary files go in the profile too, removed with it.
        let tmp = profile.join("tmp");
        std::fs::create_dir_all(&tmp).expect("a temporary directory");
        let mut process = Command::new(&chromium)
            .env("TMPDIR", &tmp)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", chromium.display()));
        let stderr = process.stderr.take().expect("stderr is piped");
        let (found, endpoint) = std::sync::mpsc::channel();
        // Reads stderr to its end, so Chromium never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.trim().to_owned());
                }
            }
        });
        let endpoint = tokio::task::spawn_blocking(move || endpoint.recv_timeout(DEADLINE))
            .await
            .expect("waiting for Chromium")
            .unwrap_or_else(|_| {
                panic!(
                    "{} printed no `DevTools listening on` line",
                    chromium.display()
                )
            });
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .unwrap_or_else(|err| panic!("cannot connect to {endpoint}: {err}"));
        let mut browser = Self {
            process,
            profile,
            socket,
            session: None,
            next_id: 0,
            events: Vec::new(),
        };
        let target = browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let session = attached["sessionId"].as_str().expect("a session id");
        browser.session = Some(session.to_owned());
        for domain in ["Network", "Page", "Runtime"] {
            browser.call(&format!("{domain}.enable"), json!({})).await;
        }
        browser
    }

    /// Sends a command (to the page, once attached) and returns its result.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .unwrap_or_else(|err| panic!("{method}: {err}"));
        let deadline = Instant::now() + DEADLINE;
        loop {
            let message = timeout(
                deadline.saturating_duration_since(Instant::now()),
                self.socket.next(),
            )
            .await
            .unwrap_or_else(|_| panic!("{method}: no answer within {DEADLINE:?}"))
            .unwrap_or_else(|| panic!("{method}: Chromium closed the connection"))
            .unwrap_or_else(|err| panic!("{method}: {err}"));
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(&text).expect("CDP speaks JSON");
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
            self.events.push(value);
        }
    }

    /// Evaluates `expression` in the page, awaiting it when it is a promise, and returns its
    /// value; a JavaScript exception fails the test.
    pub async fn evaluate(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression} threw: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it gives something other than null, undefined or false,
    /// and returns that; fails after the deadline, naming `what` and the page's errors.
    pub async fn wait_for(&mut self, what: &str, expression: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let value = self.evaluate(expression).await;
            if !value.is_null() && value != json!(false) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {DEADLINE:?}; page errors: {:?}",
                self.page_errors()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page has sent the event `method`, and returns its parameters.
    pub async fn wait_for_event(&mut self, what: &str, method: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(params) = self.events_named(method).next() {
                return params.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{what}: no {method} within {DEADLINE:?}; page errors: {:?}",
                self.page_errors()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Any command brings in the events sent meanwhile.
            self.evaluate("0").await;
        }
    }

    /// Loads `url` in the page (the load itself is awaited with [`Browser::wait_for`]).
    pub async fn navigate(&mut self, url: &str) {
        let result = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(result.get("errorText").is_none(), "{url}: {result}");
    }

    /// The URL of every request the page sent so far, WebSockets included.
    pub fn requests(&self) -> Vec<String> {
        let http = self
            .events_named("Network.requestWillBeSent")
            .filter_map(|params| params["request"]["url"].as_str());
        let websockets = self
            .events_named("Network.webSocketCreated")
            .filter_map(|params| params["url"].as_str());
        http.chain(websockets).map(str::to_owned).collect()
    }

    /// Uncaught exceptions and `console.error` messages, for failure messages.
    pub fn page_errors(&self) -> Vec<String> {
        let exceptions = self
            .events_named("Runtime.exceptionThrown")
            .map(|params| params["exceptionDetails"].to_string());
        let console = self
            .events_named("Runtime.consoleAPICalled")
            .filter(|params| params["type"] == "error")
            .map(|params| params["args"].to_string());
        exceptions.chain(console).collect()
    }

    /// Asks Chromium to close, waits for it to exit, and removes the profile.
    pub async fn close(mut self) {
        let close = json!({ "id": 0, "method": "Browser.close" });
        let _ = self.socket.send(Message::text(close.to_string())).await;
        let deadline = Instant::now() + DEADLINE;
        while matches!(self.process.try_wait(), Ok(None)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn events_named<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events
            .iter()
            .filter(move |event| event["method"] == method)
            .map(|event| &event["params"])
    }
}

/// Also when a test fails: kills Chromium (if `close` did not end it) and removes the profile.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        // Helper processes outlive the browser's by a moment, still writing to the profile.
        for _ in 0..100 {
            let _ = std::fs::remove_dir_all(&self.profile);
            if !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
