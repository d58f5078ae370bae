using System.Runtime.InteropServices;

namespace Sidecars.Watcher;

/// <summary>
/// The file descriptor of a <see cref="SafeHandle"/>, lent for a system call the runtime does not wrap (fstat,
/// fdatasync, fallocate): while borrowed, the handle cannot be closed, so the number cannot be reused for another
/// file under the call. <c>using var fd = new BorrowedFd(handle);</c>
/// </summary>
internal ref struct BorrowedFd
{
    private readonly SafeHandle _handle;
    private bool _added;

    public BorrowedFd(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _added);
        Fd = (int)handle.DangerousGetHandle();
    }

    public int Fd { get; }

    public void Dispose()
    {
        if (_added)
        {
            _handle.DangerousRelease();
            _added = false;
        }
    }
}
