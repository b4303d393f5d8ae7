//! The file-backed secret manager: mounted secrets as Kubernetes and Docker write them.

mod support;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, get, test};
use secret_bearer::{
    CachePolicy, FileManager, ManagerErrorKind, SecretManager, SecretStore, secret_bearer,
};

/// A directory of its own under the system's temporary directory, removed when dropped.
struct Root(PathBuf);

impl Root {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("sb_files_{}_{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[actix_web::test]
async fn one_trailing_line_break_is_stripped() {
    let root = Root::new("newline");
    let manager = FileManager::new(&root.0);
    for (file, contents, expected) in [
        ("lf", "FILESECRET\n", "FILESECRET"),
        ("crlf", "FILESECRET\r\n", "FILESECRET"),
        ("none", "FILESECRET", "FILESECRET"),
        ("two", "FILESECRET\n\n", "FILESECRET\n"),
        ("inner", "FILE\nSECRET\n", "FILE\nSECRET"),
        ("nested/deeper/key", "NESTED\n", "NESTED"),
    ] {
        root.write(file, contents);
        assert_eq!(manager.get(&format!("/{file}")).await.unwrap(), expected);
        assert_eq!(manager.get(file).await.unwrap(), expected);
    }
    let missing = manager.get("/absent").await.unwrap_err();
    assert_eq!(missing.kind(), ManagerErrorKind::NotFound);
}

#[actix_web::test]
async fn paths_cannot_escape_the_root() {
    let root = Root::new("escape");
    let outside = Root::new("escape_outside");
    let target = outside.write("stolen", "OUTSIDE-SECRET");
    root.write("inside", "INSIDE");
    symlink(&target, root.0.join("link_out")).unwrap();
    symlink(&outside.0, root.0.join("dir_out")).unwrap();
    symlink(root.0.join("inside"), root.0.join("link_in")).unwrap();
    let manager = FileManager::new(&root.0);
    let escape_name = outside.0.file_name().unwrap().to_str().unwrap().to_owned();
    for attempt in [
        format!("../{escape_name}/stolen"),
        format!("/../{escape_name}/stolen"),
        format!("inside/../../{escape_name}/stolen"),
        "link_out".to_owned(),
        "dir_out/stolen".to_owned(),
    ] {
        let error = manager.get(&attempt).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ManagerErrorKind::Invalid,
            "{attempt}: {error}"
        );
        assert!(!error.to_string().contains("OUTSIDE-SECRET"), "{error}");
    }
    // An absolute path is read under the root, where this one names nothing (`//tmp/..` is
    // refused outright for its empty component).
    for (absolute, kind) in [
        (target.display().to_string(), ManagerErrorKind::NotFound),
        (format!("/{}", target.display()), ManagerErrorKind::Invalid),
    ] {
        let error = manager.get(&absolute).await.unwrap_err();
        assert_eq!(error.kind(), kind, "{absolute}: {error}");
    }
    assert_eq!(manager.get("link_in").await.unwrap(), "INSIDE");
}

#[get("/")]
#[secret_bearer(secret = "/api-token")]
async fn mounted() -> &'static str {
    "mounted"
}

/// Kubernetes writes a new version of a mounted secret in a new directory, then swaps the
/// `..data` link to it in one rename; the file the pod opens is `<root>/<key>` ->
/// `..data/<key>`.
fn kubernetes_version(root: &Path, version: &str, value: &str) {
    let dir = root.join(version);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("api-token"), format!("{value}\n")).unwrap();
    let staged = root.join("..data_tmp");
    symlink(version, &staged).unwrap();
    std::fs::rename(&staged, root.join("..data")).unwrap();
}

#[actix_web::test]
async fn a_secret_replaced_in_place_is_seen_after_the_time_to_live() {
    let root = Root::new("kubernetes");
    kubernetes_version(&root.0, "..2026_11_28_v1", "OLD-TOKEN");
    symlink("..data/api-token", root.0.join("api-token")).unwrap();
    let policy = CachePolicy::default().ttl(Duration::from_millis(200));
    let store = SecretStore::with_policy(FileManager::new(&root.0), policy);
    let app = test::init_service(App::new().app_data(store).service(mounted)).await;
    let status = |token: &str| {
        test::TestRequest::get()
            .uri("/")
            .insert_header((AUTHORIZATION, token.to_owned()))
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, status("OLD-TOKEN")).await.status(),
        200
    );
    kubernetes_version(&root.0, "..2026_11_28_v2", "NEW-TOKEN");
    // Kubernetes then deletes the old version.
    std::fs::remove_dir_all(root.0.join("..2026_11_28_v1")).unwrap();
    // Within the time-to-live, the cached value still decides.
    assert_eq!(
        test::call_service(&app, status("OLD-TOKEN")).await.status(),
        200
    );
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        test::call_service(&app, status("NEW-TOKEN")).await.status(),
        200
    );
    assert_eq!(
        test::call_service(&app, status("OLD-TOKEN")).await.status(),
        401
    );
}
