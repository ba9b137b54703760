//! `muster serve`: the real server on a loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::Sandbox;

/// A GET over a plain socket: the status and the body.
fn get(address: &str, path: &str, token: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serves_the_api_on_a_loopback_port() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["user", "add", "kim", "--org", "mod", "--role", "ministry"]);
    let token = sandbox.ok(&["user", "token", "kim"]).lines().nth(1).unwrap().to_owned();
    let mut child = sandbox
        .command(&["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();

    let (status, body) = get(&address, "/api/v1/people/p010?as_of=2020-09-20", &token);
    assert_eq!(status, 200, "{body}");
    let person: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(person["person"]["name"], "O Chang-min");
    assert_eq!(person["status"], "serving");
    let (status, body) = get(&address, "/api/v1/people/p010", "mst_wrong");
    assert_eq!(status, 401, "{body}");
    drop(server);
}

#[test]
fn refuses_to_start_on_policies_that_do_not_fit_the_schema() {
    let sandbox = Sandbox::with_reference();
    std::fs::write(
        sandbox.path().join("bad.cedar"),
        "permit (principal, action, resource) when { principal.rank == \"general\" };",
    )
    .unwrap();
    let run = sandbox.run(&["serve", "--policies", "bad.cedar", "--addr", "127.0.0.1:0"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("the policies in `bad.cedar`"), "{}", run.stderr);
    assert!(run.stderr.contains("rank"), "{}", run.stderr);
}
