import Foundation

/// A value made on a thread of its own from the moment this is created,
/// for start-up work that does not depend on what the caller does in the
/// meantime (see `Resources.load`). `value()` waits for it and returns it,
/// or throws what making it threw. `value()` is called from one thread.
final class BackgroundLoad<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Set once by the loading thread before `done` is signalled; read only after waiting for `done`.
    private var result: Result<Value, DataFileError>?
    /// Whether `value()` has waited already (its caller's thread only).
    private var waited = false

    init(_ make: @escaping () throws(DataFileError) -> Value) {
        let thread = Thread { [self] in
            do throws(DataFileError) {
                result = .success(try make())
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
        // The loaders recurse little, but compile patterns and read caches: the size of the worker threads' stacks.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits until the value is made (once; later calls return at once) and returns it.
    func value() throws(DataFileError) -> Value {
        if !waited {
            done.wait()
            waited = true
        }
        return try result!.get()
    }
}
