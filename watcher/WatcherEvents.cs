namespace Sidecars.Watcher;

/// <summary>
/// The watcher's event ids, all in one table and in order. Each name is the event's name in the logs and the name of
/// the method that logs it; a test holds the log methods to this table. Numbers and names, once given, stay: operators
/// filter on them. The shared endpoint's events are in <c>Sidecars.Hosting.HostingEvents</c> (900 to 959).
/// </summary>
internal static class WatcherEvents
{
    // 1xx: the service (Log).
    public const int Started = 101;
    public const int MalformedLine = 103;
    public const int LineTooLong = 104;
    public const int StateUnreadable = 105;
    public const int StatePartlyRestored = 106;
    public const int StateRestored = 107;
    public const int StateSaveFailed = 108;
    public const int Summary = 109;
    public const int Stopped = 110;
    public const int TailerFailed = 111;
    public const int StateSavesRecovered = 112;
    public const int CatchUpTimedOut = 113;
    public const int FormatWarning = 120;
    public const int RoutesCostWarning = 121;
    public const int ListenOpenToNetwork = 122;

    // 2xx: nginx's stub_status (StubStatusLog).
    public const int Reading = 201;
    public const int StubStatusReadFailed = 202;
    public const int ReadsAgain = 203;

    // 300 to 329: the tailer (TailerLog).
    public const int Following = 300;
    public const int WaitingForFile = 301;
    public const int Rotated = 302;
    public const int Truncated = 303;
    public const int Disappeared = 304;
    public const int DrainFinished = 305;
    public const int DrainDroppedPartialLine = 306;
    public const int Resuming = 307;
    public const int ResumeLost = 308;
    public const int ResumeTruncated = 309;
    public const int NotificationsUnavailable = 310;
    public const int ReadFailed = 312;
    public const int DrainingCopy = 313;
    public const int NotARegularFile = 314;
    public const int CameBack = 315;
    public const int RotatedWhileStopped = 316;
    public const int FilesLost = 317;
    public const int ResumeFailed = 318;
    public const int ReadCompressed = 319;
    public const int LogsSkipped = 321;
    public const int EntriesSkipped = 322;
    public const int PathUnreadable = 323;
    public const int LogEnded = 324;
    public const int LogEndedBeforeRestart = 325;

    // 330 to 339: the syslog receiver (ReceiverLog).
    public const int Listening = 330;
    public const int BufferCapped = 331;
    public const int NotSyslog = 332;
    public const int Dropped = 333;
    public const int ReceiveFailed = 334;
}
