//! The incremental planner (`ops::incremental::WarmPlanner`): after each kind of commit, the patched plan must
//! be the plan a cold planner makes of the same commit, byte for byte, and it must be patched (not re-planned)
//! whenever the change is local.

use crate::util::{Dir, Paved, git, s};
use paved::model::cache::ParseCache;
use paved::ops::incremental::{How, WarmPlanner};
use paved::ops::{RepoOptions, reconcile};
use std::path::Path;

fn options(repo: &Path, state: &Path) -> RepoOptions {
    RepoOptions {
        repo: repo.to_path_buf(),
        rev: None,
        worktree: false,
        strict: false,
        forge: None,
        state: Some(state.to_path_buf()),
        lock_wait: paved::lock::DEFAULT_WAIT,
    }
}

fn commit(repo: &Path, message: &str) {
    git(repo, &["add", "--all"]);
    git(repo, &["commit", "--quiet", "--allow-empty", "-m", message]);
}

/// Everything a plan and its load say, including the before/after contents the JSON form leaves out.
fn fingerprint(planned: &reconcile::Planned) -> String {
    format!("{:#?}\n{:#?}\nfiles {}", planned.plan, planned.loaded.diagnostics, planned.loaded.files)
}

/// Plan the current commit warm and cold; they must agree. Returns how the warm plan was made.
fn warm_equals_cold(warm: &mut WarmPlanner, cache: &ParseCache, opts: &RepoOptions, what: &str) -> How {
    let how = warm.plan(cache).expect("warm plan");
    let cold = reconcile::plan(opts, &ParseCache::new()).expect("cold plan");
    let patched = warm.planned().expect("a plan");
    let (a, b) = (fingerprint(patched), fingerprint(&cold));
    if a != b {
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
        let context = |t: &str| t.lines().skip(first.saturating_sub(5)).take(12).collect::<Vec<_>>().join("\n");
        panic!(
            "{what}: the warm plan ({how}) differs from the cold one:\n--- warm\n{}\n--- cold\n{}",
            context(&a),
            context(&b)
        );
    }
    how
}

fn patched(how: &How, what: &str) {
    assert!(matches!(how, How::Patched { .. }), "{what}: expected a patched plan, got {how}");
}

#[test]
fn a_patched_plan_equals_a_cold_plan_after_every_kind_of_local_change() {
    let dir = Dir::new();
    let repo = dir.join("platform");
    Paved::new(&["bench", "gen", "--services", "200", "--seed", "5", "--out", s(&repo)]).run().expect_code(0);
    let opts = options(&repo, &dir.join("state"));
    // Commit the first reconcile's status files, so changes meet committed statuses as they do in production.
    Paved::new(&["reconcile", "--repo", s(&repo), "--state", s(&dir.join("state"))]).run().run_ok_or_blocked();
    assert!(repo.join("status/requests").is_dir(), "the reconcile committed request statuses");

    let cache = ParseCache::new();
    let mut warm = WarmPlanner::new(opts.clone());
    assert!(matches!(warm_equals_cold(&mut warm, &cache, &opts, "first plan"), How::Full { .. }));
    assert_eq!(warm.plan(&cache).expect("plan"), How::Unchanged, "the same commit again");

    let flag = paved::bench::CHANGE_FILE;
    let team_dir = repo.join(Path::new(flag).parent().expect("a folder"));
    let request = |name: &str, body: &str| {
        format!(
            "apiVersion: paved.dev/v1\nkind: Request\nmetadata:\n  name: {name}\n  requestedBy: user:nobody\nspec:\n{body}"
        )
    };
    let owner = std::fs::read_to_string(repo.join(flag))
        .expect("the bench flag")
        .lines()
        .find_map(|l| l.trim().strip_prefix("owner: ").map(str::to_owned))
        .expect("an owner");
    let flag_spec = |key: &str| {
        format!(
            "  capability: feature-flag\n  moduleVersion: 1\n  environment: staging\n  owner: {owner}\n  parameters:\n    key: {key}\n    variants:\n      \"on\": true\n      \"off\": false\n    defaultVariant: \"off\"\n"
        )
    };

    // A request's parameters change.
    paved::bench::one_file_change(&repo, flag, 1).expect("commit");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "a changed request");
    patched(&how, "a changed request");
    assert_eq!(how, How::Patched { files: 1, paths: 1 });

    // A new request, and one the policies deny (a public database).
    std::fs::write(team_dir.join("new-flag.yaml"), request("new-flag", &flag_spec("new-flag"))).expect("write");
    std::fs::write(
        team_dir.join("open-db.yaml"),
        request(
            "open-db",
            &format!(
                "  capability: database\n  moduleVersion: 1\n  environment: production\n  owner: {owner}\n  parameters:\n    engine: postgres\n    version: \"16\"\n    sizeGb: 10\n    publiclyAccessible: true\n    backupRetentionDays: 1\n"
            ),
        ),
    )
    .expect("write");
    commit(&repo, "two new requests");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "new requests"), "new requests");
    let denied = warm.planned().expect("plan").plan.actions.iter().find(|a| a.target.ends_with("/open-db")).cloned();
    assert!(denied.is_some_and(|a| a.reason.starts_with("Denied")), "the public database is denied");

    // A request file that no longer parses keeps its last state; then it is fixed.
    std::fs::write(team_dir.join("new-flag.yaml"), "apiVersion: paved.dev/v1\nkind: Request\nmetadata: [\n")
        .expect("write");
    commit(&repo, "break a request");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "a broken request"), "a broken request");
    assert!(warm.planned().expect("plan").plan.errored);
    std::fs::write(team_dir.join("new-flag.yaml"), request("new-flag", &flag_spec("new-flag"))).expect("write");
    commit(&repo, "fix it");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "a fixed request"), "a fixed request");

    // A request renamed inside its file: the old name's status goes, the new name's comes.
    std::fs::write(repo.join(flag), request("renamed-flag", &flag_spec("renamed-flag"))).expect("write");
    commit(&repo, "rename a request");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "a renamed request"), "a renamed request");

    // A request file removed whose status was committed.
    let committed = std::fs::read_dir(repo.join("requests"))
        .expect("requests")
        .flatten()
        .flat_map(|team| std::fs::read_dir(team.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .find(|p| {
            let rel = p.strip_prefix(&repo).expect("inside").to_string_lossy().into_owned();
            let key = rel.trim_start_matches("requests/").trim_end_matches(".yaml").to_owned();
            repo.join(format!("status/requests/{key}.yaml")).exists() && !rel.contains("bench-flag")
        })
        .expect("a request with a committed status");
    std::fs::remove_file(&committed).expect("remove");
    commit(&repo, "remove a request");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "a removed request");
    patched(&how, "a removed request");
    assert!(
        warm.planned().expect("plan").plan.actions.iter().any(|a| a.change.path().starts_with("status/requests/")
            && matches!(a.change, paved::plan::FileChange::Delete { .. })),
        "the removed request's status is deleted"
    );

    // Status files edited, removed and added by hand: rewritten, restored, deleted.
    let status_dir = repo.join("status/component/default");
    let statuses: Vec<_> =
        std::fs::read_dir(&status_dir).expect("component statuses").flatten().map(|e| e.path()).collect();
    std::fs::write(&statuses[0], "# edited by hand\n").expect("write");
    std::fs::remove_file(&statuses[1]).expect("remove");
    std::fs::write(status_dir.join("nobody-writes-this.yaml"), "entity: component:default/nobody\n").expect("write");
    let request_status = std::fs::read_dir(repo.join("status/requests")).expect("request statuses").flatten().next();
    let request_status = request_status.expect("a team folder").path();
    let one = std::fs::read_dir(&request_status).expect("a team").flatten().next().expect("a status").path();
    let text = std::fs::read_to_string(&one).expect("read");
    std::fs::write(&one, text.replace("phase: Blocked", "phase: Ready")).expect("write");
    commit(&repo, "edit statuses by hand");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "hand-edited statuses");
    patched(&how, "hand-edited statuses");

    // A catalog change is not local: planned from scratch, and still right.
    let team = std::fs::read_dir(repo.join("catalog")).expect("catalog").flatten().next().expect("a team").path();
    let file = std::fs::read_dir(&team).expect("team").flatten().next().expect("a file").path();
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("description:", "description: Edited.", 1) + "\n").expect("write");
    commit(&repo, "edit the catalog");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "a catalog change");
    assert!(matches!(&how, How::Full { why } if why.to_string().contains("catalog/")), "{how}");

    // Two files defining one request: which wins depends on both, so it is planned from scratch.
    std::fs::write(team_dir.join("twin.yaml"), request("new-flag", &flag_spec("twin"))).expect("write");
    commit(&repo, "a duplicate");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "a duplicate request");
    assert!(matches!(&how, How::Full { why } if why.to_string().contains("also defines")), "{how}");
    assert!(warm.planned().expect("plan").loaded.diagnostics.errors() > 0);
}

/// The daemon's loop: plan warm, apply, plan again. The bot commit (status files and audit records) is patched,
/// not re-planned, and leaves nothing to do; so does a request change once applied.
#[test]
fn applying_patched_plans_converges() {
    let dir = Dir::new();
    let repo = dir.join("platform");
    Paved::new(&["bench", "gen", "--services", "100", "--seed", "9", "--out", s(&repo)]).run().expect_code(0);
    let opts = options(&repo, &dir.join("state"));
    let cache = ParseCache::new();
    let mut warm = WarmPlanner::new(opts.clone());
    let lease = paved::ops::lock_platform(&opts).expect("the platform lock");
    let apply = |warm: &mut WarmPlanner| {
        let (planned, snapshot) = (warm.planned().expect("a plan"), warm.snapshot().expect("a snapshot"));
        let report = reconcile::apply_planned(&opts, snapshot, planned, "paved", &lease).expect("apply");
        warm.applied();
        report
    };

    assert!(matches!(warm.plan(&cache).expect("plan"), How::Full { .. }));
    let first = apply(&mut warm);
    assert!(first.commit.is_some() && !first.applied.is_empty(), "a new platform's statuses are committed");
    let how = warm_equals_cold(&mut warm, &cache, &opts, "after the bot commit");
    assert!(matches!(how, How::Patched { .. }), "the bot commit is patched: {how}");
    assert!(warm.planned().expect("plan").plan.is_empty(), "nothing left to do after applying");

    paved::bench::one_file_change(&repo, paved::bench::CHANGE_FILE, 7).expect("commit");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "a request change"), "a request change");
    let second = apply(&mut warm);
    assert_eq!(second.applied.len(), 1, "one request's status changes");
    patched(&warm_equals_cold(&mut warm, &cache, &opts, "its bot commit"), "its bot commit");
    assert!(warm.planned().expect("plan").plan.is_empty(), "converged");

    // A work tree has no commit to diff against: every plan of one is made in full, and says so.
    let mut worktree = WarmPlanner::new(RepoOptions { worktree: true, ..opts.clone() });
    worktree.plan(&cache).expect("plan");
    let how = worktree.plan(&cache).expect("plan");
    assert!(matches!(&how, How::Full { why: paved::ops::incremental::Refusal::WorkTree }), "{how}");
}

/// `paved plan` as text or JSON keeps no file texts (`plan::Texts::Dropped`): it must show exactly the plan that
/// would be applied, and such a plan must refuse to be applied rather than write empty files.
#[test]
fn a_plan_without_texts_shows_the_same_plan_and_cannot_be_applied() {
    use paved::plan::{FileChange, Texts, render};
    let dir = Dir::new();
    let repo = dir.join("platform");
    Paved::new(&["bench", "gen", "--services", "100", "--seed", "3", "--out", s(&repo)]).run().expect_code(0);
    let opts = options(&repo, &dir.join("state"));
    Paved::new(&["reconcile", "--repo", s(&repo), "--state", s(&dir.join("state"))]).run().run_ok_or_blocked();
    // An update: the flag request changes, and its status file exists since the reconcile.
    paved::bench::one_file_change(&repo, paved::bench::CHANGE_FILE, 11).expect("commit");

    let kept = reconcile::plan(&opts, &ParseCache::new()).expect("plan");
    let dropped = reconcile::plan_with(&opts, &ParseCache::new(), Texts::Dropped).expect("plan");
    let updates = |p: &reconcile::Planned| {
        p.plan.actions.iter().filter(|a| matches!(a.change, FileChange::Write { before: Some(_), .. })).count()
    };
    assert!(updates(&kept) > 0, "the plan updates a status file");
    assert_eq!(updates(&dropped), updates(&kept), "an update stays an update without its texts");
    assert_eq!(render::json(&dropped.plan), render::json(&kept.plan), "the same ids, targets and reasons");
    assert_eq!(render::text(&dropped.plan), render::text(&kept.plan));
    assert!(dropped.plan.actions.iter().all(|a| match &a.change {
        FileChange::Write { before, after, .. } => after.is_empty() && before.as_deref().is_none_or(str::is_empty),
        FileChange::Delete { before, .. } => before.is_empty(),
    }));
    let cli = Paved::new(&["plan", "--repo", s(&repo), "--state", s(&dir.join("state")), "--format", "json"]).run();
    assert_eq!(cli.expect_code(0).stdout(), format!("{}\n", render::json(&kept.plan)), "`paved plan` shows it");

    let snapshot = paved::ops::open_snapshot(&opts).expect("snapshot");
    let lease = paved::ops::lock_platform(&opts).expect("the platform lock");
    let error = reconcile::apply_planned(&opts, &snapshot, &dropped, "paved", &lease).expect_err("refused");
    assert!(error.to_string().contains("kept no file texts"), "{error}");
    let head = git(&repo, &["rev-parse", "HEAD"]);
    reconcile::apply_planned(&opts, &snapshot, &kept, "paved", &lease).expect("the plan with texts applies");
    assert_ne!(git(&repo, &["rev-parse", "HEAD"]), head, "and commits");
}
