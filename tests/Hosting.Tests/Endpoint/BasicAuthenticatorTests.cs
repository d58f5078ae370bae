using System.Text;
using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class BasicAuthenticatorTests
{
    private static string Header(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Fact]
    public async Task A_password_that_passed_is_remembered_and_a_wrong_one_is_checked_every_time()
    {
        using var auth = new BasicAuthenticator(new Dictionary<string, string> { ["prometheus"] = BCrypt.Net.BCrypt.HashPassword("right", 4) });

        Assert.True(await auth.IsAuthorizedAsync(Header("prometheus:right"), CancellationToken.None));
        Assert.True(await auth.IsAuthorizedAsync(Header("prometheus:right"), CancellationToken.None));
        Assert.Equal(1, auth.Checks);

        Assert.False(await auth.IsAuthorizedAsync(Header("prometheus:wrong"), CancellationToken.None));
        Assert.False(await auth.IsAuthorizedAsync(Header("prometheus:wrong"), CancellationToken.None));
        Assert.False(await auth.IsAuthorizedAsync(Header("nobody:right"), CancellationToken.None));
        Assert.Equal(4, auth.Checks); // an unknown user costs a check too
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!not-base64")]
    [InlineData("Basic")]
    public void Other_schemes_and_malformed_values_are_not_credentials(string? header) =>
        Assert.False(BasicAuthenticator.TryParse(header, out _, out _));

    [Fact]
    public void The_password_is_everything_after_the_first_colon_and_the_scheme_is_case_insensitive()
    {
        Assert.True(BasicAuthenticator.TryParse("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pa:ss wörd")), out string? user, out string? password));
        Assert.Equal(("user", "pa:ss wörd"), (user, password));
        Assert.False(BasicAuthenticator.TryParse(Header("no-colon"), out _, out _));
    }
}
