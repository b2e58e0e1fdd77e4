import Foundation

/// What lets `file.write` with `append: false` empty its file at the start
/// of a run without losing a resumed run's earlier lines.
///
/// A run that stops part way (a stop, a crash, a kill) leaves its sources'
/// checkpoints behind, and the next run resumes after them: the lines the
/// first run wrote are not read again, so emptying the file would lose them.
/// The sink therefore marks its state directory while a run writes the file
/// and clears the mark only when the run ends because its input ended. A
/// run that finds the mark naming the same file continues it (appending,
/// after cutting a torn last line); any other run empties it.
struct UnfinishedRun {
    let marker: String
    let output: String

    init(directory: String, output: String) {
        marker = directory + "/unfinished-run"
        self.output = output
    }

    /// Whether the last run writing `output` stopped part way.
    var wasLeft: Bool { (try? String(contentsOfFile: marker, encoding: .utf8)) == output }

    /// Marks a run as writing `output`; false when the mark cannot be kept.
    func begin() -> Bool {
        (try? output.write(toFile: marker, atomically: true, encoding: .utf8)) != nil
    }

    /// The run ended with its input: the next run starts the file afresh.
    func end() { unlink(marker) }
}
