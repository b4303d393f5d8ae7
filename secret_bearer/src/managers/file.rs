//! [`FileManager`]: secrets as files under a directory, as Kubernetes and Docker mount them.

use std::io;
use std::path::{Component, Path, PathBuf};

use secrecy::zeroize::{Zeroize, Zeroizing};

use crate::manager::{ManagerError, ManagerErrorKind, SecretManager};

/// A [`SecretManager`] whose secret at `a/b` is the file `<root>/a/b`, less one trailing
/// `\n` or `\r\n`.
///
/// A leading `/` is allowed and means the root (`/db/password` is `<root>/db/password`), so the
/// paths of the reference's examples work unchanged. A path cannot leave the root: `.` and `..`
/// components, empty components and backslashes are refused, and a file reached through a
/// symbolic link must still lie under the root once resolved. Links inside the root are
/// followed, so Kubernetes' `..data` link swap, its way of replacing a mounted secret in place,
/// is seen at the next fetch (after the [`SecretStore`](crate::SecretStore)'s time-to-live).
///
/// A path that names no file under the root is `Invalid`, which the store takes as final: the
/// source fails closed at once, whatever it held before. A file the process may not read is
/// `Denied`, which the store takes as the server's access lapsing, not a revocation: the last
/// good value keeps serving within the cache's bound (crate docs, "Revocation").
///
/// Nothing crosses the network: the files are read from the local file system, and nothing is
/// written.
///
/// Files are read synchronously: mounted secrets live in memory (`tmpfs`), and the store reads
/// each only when its cache asks (first use, time-to-live, retry, refresh on mismatch). Only
/// regular files of at most 1 MiB are read: room for a JSON document of secrets, or a key set
/// of thousands of callers. A file that grows while it is read (written in place rather than
/// replaced) is an error, not a value cut short; the store reads it again at its next attempt.
#[derive(Clone, Debug)]
pub struct FileManager {
    root: PathBuf,
}

impl FileManager {
    /// Secrets are the files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file a secret path names, or why it names none. Nothing is read.
    fn locate(&self, path: &str) -> Result<PathBuf, ManagerError> {
        let relative = path.strip_prefix('/').unwrap_or(path);
        let refused = |why: &str| {
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("secret path `{path}` {why}; it must name a file under the root"),
            )
        };
        if relative.is_empty() {
            return Err(refused("is empty"));
        }
        if relative.contains('\\') {
            return Err(refused("holds a backslash"));
        }
        let mut file = self.root.clone();
        for part in relative.split('/') {
            match Path::new(part).components().collect::<Vec<_>>().as_slice() {
                [Component::Normal(name)] if part != "." && part != ".." => file.push(name),
                _ => return Err(refused("holds an empty, `.` or `..` component")),
            }
        }
        Ok(file)
    }

    fn read(&self, path: &str) -> Result<String, ManagerError> {
        let file = self.locate(path)?;
        let failed = |error: io::Error| {
            let kind = match error.kind() {
                io::ErrorKind::NotFound => ManagerErrorKind::NotFound,
                io::ErrorKind::PermissionDenied => ManagerErrorKind::Denied,
                _ => ManagerErrorKind::Unavailable,
            };
            ManagerError::new(kind, format!("cannot read secret `{path}`: {error}"))
        };
        // Resolve links, then check the result is still inside the (resolved) root.
        let root = self.root.canonicalize().map_err(failed)?;
        let resolved = file.canonicalize().map_err(failed)?;
        if !resolved.starts_with(&root) {
            return Err(ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("secret `{path}` is a link that leads out of the root"),
            ));
        }
        let bytes = read_bounded(&resolved).map_err(failed)?;
        let mut value = String::from_utf8(bytes).map_err(|error| {
            error.into_bytes().zeroize();
            ManagerError::new(
                ManagerErrorKind::Invalid,
                format!("secret `{path}` is not UTF-8 text"),
            )
        })?;
        let kept = value
            .strip_suffix("\r\n")
            .or_else(|| value.strip_suffix('\n'))
            .map_or(value.len(), str::len);
        // Truncating keeps the one allocation, which the store wipes.
        value.truncate(kept);
        Ok(value)
    }
}

/// Reads a regular file of at most 1 MiB: a FIFO or a device would block the worker, and a
/// huge file is no secret.
///
/// Into one buffer, sized from the file's length: a buffer that grows (as `read_to_end`'s does)
/// leaves a copy of what it held in each one it outgrows. One byte more than the length tells a
/// file that grew since (being written in place): refused, as a partial value would be, and
/// read again at the store's next attempt. The buffer is wiped on every error.
fn read_bounded(file: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    const LIMIT: u64 = 1 << 20;
    let metadata = std::fs::metadata(file)?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if metadata.len() > LIMIT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "larger than a secret can be",
        ));
    }
    let mut bytes = Zeroizing::new(vec![0; metadata.len() as usize + 1]);
    let mut reader = std::fs::File::open(file)?;
    let mut filled = 0;
    while filled < bytes.len() {
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    if filled == bytes.len() {
        return Err(io::Error::other("it changed while it was read"));
    }
    bytes.truncate(filled);
    Ok(std::mem::take(&mut *bytes))
}

impl SecretManager for FileManager {
    async fn get(&self, path: &str) -> Result<String, ManagerError> {
        self.read(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        let manager = FileManager::new("/srv/secrets");
        assert_eq!(
            manager.locate("/db/password").unwrap(),
            Path::new("/srv/secrets/db/password")
        );
        assert_eq!(
            manager.locate("..data/token").unwrap(),
            Path::new("/srv/secrets/..data/token")
        );
        for escape in [
            "",
            "/",
            "../etc/passwd",
            "a/../../etc/passwd",
            "//etc/passwd",
            "a//b",
            "./a",
            "a/.",
            "a\\..\\b",
            "a/",
        ] {
            let error = manager.locate(escape).unwrap_err();
            assert_eq!(error.kind(), ManagerErrorKind::Invalid, "{escape:?}");
        }
    }

    #[test]
    fn a_key_set_of_thousands_of_callers_is_read_and_a_huge_file_is_not() {
        let root = std::env::temp_dir().join(format!("sb_file_limit_{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let set: String = (0..5000)
            .map(|n| format!(r#""caller-{n}": "key-of-caller-{n}-0123456789abcdef0123456789","#))
            .collect();
        let set = format!("{{{}}}", set.trim_end_matches(','));
        assert!(set.len() > 300_000);
        std::fs::write(root.join("keys"), &set).unwrap();
        std::fs::write(root.join("huge"), vec![b'a'; (1 << 20) + 1]).unwrap();
        let manager = FileManager::new(&root);
        let read = manager.read("keys").unwrap();
        assert_eq!(read, set);
        assert_eq!(read.capacity(), set.len() + 1, "read into one buffer");
        let error = manager.read("huge").unwrap_err();
        assert!(error.to_string().contains("larger than"), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// What a file being written in place looks like: more to read than its length says.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_length_is_refused_not_cut_short() {
        // `/proc` files say they are empty.
        let manager = FileManager::new("/proc/self");
        let error = manager.read("status").unwrap_err();
        assert_eq!(error.kind(), ManagerErrorKind::Unavailable);
        assert!(
            error.to_string().contains("changed while it was read"),
            "{error}"
        );
    }
}
