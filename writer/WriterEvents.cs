namespace Sidecars.Writer;

/// <summary>
/// The writer's event ids, all in one table and in order. Each name is the event's name in the logs and the name of
/// the method that logs it; a test holds the log methods to this table. Numbers and names, once given, stay: operators
/// filter on them. The shared endpoint's events are in <c>Sidecars.Hosting.HostingEvents</c> (900 to 959).
/// </summary>
internal static class WriterEvents
{
    public const int Started = 501;
    public const int Writing = 502;
    public const int WriteFailed = 503;
    public const int TicksMissed = 504;
    public const int ClockSteppedBack = 505;
    public const int ClockSteppedForward = 506;
    public const int Stopped = 507;
}
