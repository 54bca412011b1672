// Package watch turns file-system events under a directory tree into
// settled batches of real content changes. It owns the fsnotify watches:
// fsnotify does not recurse, so the Watcher adds every directory of the
// tree itself, adds new ones as they appear and drops removed ones. It
// follows symbolic links the way the config loader does (a link to a
// directory is walked, a link to a file is read through, a place reached
// twice is taken once), watches the directories holding the targets of
// linked files, and re-resolves a root that is itself a link (the
// Kubernetes ConfigMap "..data" swap) by watching the directories that
// hold the links of its chain.
//
// Events are debounced with one timer: a batch is cut when the tree has
// been quiet for Options.Debounce, or at the latest Options.MaxWait after
// the first event of the batch, so a continuous stream of writes still
// produces batches. While a git index lock (.git/index.lock of the
// repository holding the tree) exists, batches are held back: a checkout
// of many files gives one batch. Every file that an event names is hashed
// (SHA-256) and only a content change, a new file or a removed file counts,
// so a touch, a save without change or a checkout that restores the same
// content gives no batch. The whole tree is rescanned after an inotify
// queue overflow, when directories or links change, and periodically as a
// backstop (Options.Rescan). Hidden names and editors' swap and backup
// files are ignored, by the config loader's own rule (configfile.Skipped).
//
// When the root itself goes (removed, moved away), a batch says so
// (Batch.Root) rather than only listing its files as removed; the
// nearest directory above it that exists is watched meanwhile, so its
// return gives a batch at once.
//
// A Watcher never blocks on its consumer: batches the consumer has not
// taken yet are merged into one, so a slow consumer sees at most one
// queued batch. The package knows nothing of configs or plans beyond
// that rule.
package watch
