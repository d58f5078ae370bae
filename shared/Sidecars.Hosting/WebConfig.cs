using System.Security.Authentication;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sidecars.Hosting;

/// <summary>
/// A web configuration file in the format of the Prometheus exporter-toolkit
/// (<c>--web.config.file</c>): <c>tls_server_config</c> (<c>cert_file</c>, <c>key_file</c>,
/// <c>client_auth_type</c>, <c>client_ca_file</c>, <c>min_version</c>, <c>max_version</c>) and
/// <c>basic_auth_users</c> (user name to bcrypt hash). Read strictly like the toolkit does: an unknown
/// key, or a known one this server cannot honour, is an error rather than a silent downgrade.
/// Relative paths are relative to the file's folder.
/// </summary>
internal sealed partial record WebConfig(TlsServerSettings? Tls, IReadOnlyDictionary<string, string> BasicAuthUsers)
{
    /// <summary>Plain HTTP, no authentication: what an absent or empty file means.</summary>
    public static WebConfig None { get; } = new(null, new Dictionary<string, string>());

    private static readonly string[] TopLevelKeys = ["tls_server_config", "basic_auth_users"];

    private static readonly string[] TlsKeys = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"];

    // Keys of the toolkit's format that this server does not implement: refused by name.
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["http_server_config"] = "is not supported (HTTP/2 is off and no extra response headers are set)",
        ["rate_limit"] = "is not supported",
        ["tls_server_config.cipher_suites"] = "is not supported (the platform's TLS library chooses)",
        ["tls_server_config.curve_preferences"] = "is not supported (the platform's TLS library chooses)",
        ["tls_server_config.prefer_server_cipher_suites"] = "is not supported",
        ["tls_server_config.client_allowed_sans"] = "is not supported",
        ["tls_server_config.cert"] = "(inline) is not supported: use cert_file",
        ["tls_server_config.key"] = "(inline) is not supported: use key_file",
        ["tls_server_config.client_ca"] = "(inline) is not supported: use client_ca_file",
    };

    /// <summary>True when requests other than the probes need a user name and password.</summary>
    public bool RequiresBasicAuth => BasicAuthUsers.Count > 0;

    /// <summary>
    /// Reads and checks the file at <paramref name="path"/>. Throws <see cref="ConfigurationException"/>
    /// with one line naming <c>Http:WebConfigFile</c>, the file and the problem.
    /// </summary>
    public static WebConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException($"Http:WebConfigFile {path} cannot be read: {e.Message}", e);
        }
        try
        {
            return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/");
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"Http:WebConfigFile {path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the file's text; relative paths are made absolute against <paramref name="folder"/>. Throws <see cref="FormatException"/>.</summary>
    internal static WebConfig Parse(string yaml, string folder)
    {
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new FormatException($"line {e.Start.Line}: {OneLine(e.Message)}", e);
        }
        if (root is null || root is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return None;
        }
        var top = Mapping(root, "the file");
        CheckKeys(top, TopLevelKeys, "");
        TlsServerSettings? tls = null;
        if (Find(top, "tls_server_config") is { } tlsNode && !IsNull(tlsNode))
        {
            tls = ParseTls(Mapping(tlsNode, "tls_server_config"), folder);
        }
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Find(top, "basic_auth_users") is { } usersNode && !IsNull(usersNode))
        {
            foreach (var (key, value) in Mapping(usersNode, "basic_auth_users").Children)
            {
                string user = Scalar(key, "basic_auth_users key") ?? "";
                string where = $"basic_auth_users.{user}";
                if (user.Length == 0 || user.Contains(':', StringComparison.Ordinal))
                {
                    throw new FormatException($"line {key.Start.Line}: {where}: a user name must be non-empty and without ':'");
                }
                string hash = Scalar(value, where) ?? "";
                if (!BcryptHash().IsMatch(hash))
                {
                    throw new FormatException($"line {value.Start.Line}: {where} is not a bcrypt hash (like $2y$10$ followed by 53 characters; make one with htpasswd -nbBC 10 USER PASSWORD)");
                }
                // bcrypt refuses such a hash at every check: each login would be a silent 401.
                if (BcryptCost.Of(hash) is < BcryptCost.Min or > BcryptCost.Max)
                {
                    throw new FormatException(
                        $"line {value.Start.Line}: {where} has bcrypt cost {BcryptCost.Digits(hash)}, outside bcrypt's range {BcryptCost.Min} to {BcryptCost.Max} " +
                        "(every login would fail; make a hash with htpasswd -nbBC 10 USER PASSWORD)");
                }
                users[user] = hash;
            }
        }
        return new WebConfig(tls, users);
    }

    private static TlsServerSettings ParseTls(YamlMappingNode tls, string folder)
    {
        CheckKeys(tls, TlsKeys, "tls_server_config.");
        string cert = Required(tls, "cert_file");
        string key = Required(tls, "key_file");
        var clientAuth = ClientAuthType.NoClientCert;
        if (Optional(tls, "client_auth_type") is { } auth)
        {
            if (!Enum.TryParse(auth, ignoreCase: false, out clientAuth) || !Enum.IsDefined(clientAuth) || int.TryParse(auth, out _))
            {
                throw new FormatException(
                    $"tls_server_config.client_auth_type must be one of {string.Join(", ", Enum.GetNames<ClientAuthType>())} (got \"{auth}\")");
            }
        }
        string? clientCa = Optional(tls, "client_ca_file");
        var settings = new TlsServerSettings(
            Absolute(cert, folder), Absolute(key, folder), clientAuth, clientCa is null ? null : Absolute(clientCa, folder),
            Protocols(Optional(tls, "min_version"), Optional(tls, "max_version")));
        if (settings.VerifiesClients && clientCa is null)
        {
            throw new FormatException($"tls_server_config.client_auth_type {clientAuth} needs tls_server_config.client_ca_file");
        }
        if (!settings.VerifiesClients && clientCa is not null)
        {
            throw new FormatException(
                "tls_server_config.client_ca_file is set but client_auth_type does not verify clients (use VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
        }
        return settings;
    }

    private static SslProtocols Protocols(string? min, string? max)
    {
        var low = Version(min ?? "TLS12", "min_version");
        var high = Version(max ?? "TLS13", "max_version");
        if (low > high)
        {
            throw new FormatException($"tls_server_config.min_version {min} is above max_version {max}");
        }
        return low == high ? low : SslProtocols.Tls12 | SslProtocols.Tls13;
    }

    private static SslProtocols Version(string value, string key) => value switch
    {
        "TLS12" => SslProtocols.Tls12,
        "TLS13" => SslProtocols.Tls13,
        "TLS10" or "TLS11" => throw new FormatException($"tls_server_config.{key} {value} is not supported (TLS 1.0 and 1.1 are obsolete): use TLS12 or TLS13"),
        _ => throw new FormatException($"tls_server_config.{key} must be TLS12 or TLS13 (got \"{value}\")"),
    };

    private static string Absolute(string path, string folder) => Path.GetFullPath(path, folder);

    private static void CheckKeys(YamlMappingNode mapping, string[] known, string prefix)
    {
        foreach (var (keyNode, _) in mapping.Children)
        {
            string key = Scalar(keyNode, $"{prefix}key") ?? "";
            if (Unsupported.TryGetValue(prefix + key, out string? why))
            {
                throw new FormatException($"line {keyNode.Start.Line}: {prefix}{key} {why}");
            }
            if (!known.Contains(key))
            {
                throw new FormatException($"line {keyNode.Start.Line}: unknown key {prefix}{key} (known: {string.Join(", ", known)})");
            }
        }
    }

    private static YamlNode? Find(YamlMappingNode mapping, string key) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value;

    private static string Required(YamlMappingNode tls, string key) =>
        Optional(tls, key) ?? throw new FormatException($"tls_server_config.{key} is required");

    private static string? Optional(YamlMappingNode tls, string key) =>
        Find(tls, key) is { } node && !IsNull(node) && Scalar(node, $"tls_server_config.{key}") is { Length: > 0 } value ? value : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted), Value: null or "" or "~" or "null" };

    private static YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw new FormatException($"line {node.Start.Line}: {what} must be a mapping of keys to values");

    private static string? Scalar(YamlNode node, string what) =>
        node is YamlScalarNode scalar ? scalar.Value : throw new FormatException($"line {node.Start.Line}: {what} must be a single value");

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    // bcrypt's modular crypt format: $2a$, $2b$, $2x$ or $2y$, a two-digit cost, 22 characters of salt and 31 of hash.
    [GeneratedRegex(@"^\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();
}
