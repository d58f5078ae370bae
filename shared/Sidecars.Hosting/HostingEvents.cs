namespace Sidecars.Hosting;

/// <summary>
/// The event ids of this library, the same in both services, all in one table and in order. Each name is the event's
/// name in the logs and the name of the method that logs it; a test holds the log methods to this table. Numbers and
/// names, once given, stay: operators filter on them. Each service's own events are numbered below 900.
/// </summary>
internal static class HostingEvents
{
    // 900 to 939: the HTTP endpoint (EndpointLog).
    public const int Listening = 901;
    public const int BasicAuthWithoutTls = 902;
    public const int CertificateReloaded = 903;
    public const int CertificateReloadFailed = 904;
    public const int RequestFailed = 905;
    public const int AtConnectionCap = 906;
    public const int ProbesListening = 907;
    public const int CertificateRecovered = 908;

    // 940 to 949: basic auth (BasicAuthLog).
    public const int Refused = 940;
    public const int CostlyHash = 941;

    // 950 to 959: the signals (SignalLog).
    public const int Ignored = 950;
    public const int IgnoredWhileStarting = 951;
    public const int HangupWithoutTls = 952;
    public const int HangupReadTlsFiles = 953;
    public const int Stopping = 954;
    public const int StoppingWhenStarted = 955;
}
