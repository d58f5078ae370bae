using System.Text;
using Sidecars.Watcher.Metrics;

namespace Sidecars.Tests.Watcher.Metrics;

public sealed class LabelTests
{
    [Theory]
    [InlineData("GET", "GET")]
    [InlineData("HEAD", "HEAD")]
    [InlineData("POST", "POST")]
    [InlineData("PUT", "PUT")]
    [InlineData("DELETE", "DELETE")]
    [InlineData("CONNECT", "CONNECT")]
    [InlineData("OPTIONS", "OPTIONS")]
    [InlineData("TRACE", "TRACE")]
    [InlineData("PATCH", "PATCH")]
    [InlineData("get", "other")]
    [InlineData("Post", "other")]
    [InlineData("PROPFIND", "other")]
    [InlineData("\\x16\\x03\\x01", "other")]
    [InlineData("", "other")]
    [InlineData("GETS", "other")]
    public void Method_is_a_standard_verb_compared_exactly_else_other(string method, string label)
    {
        Assert.Equal(label, HttpMethods.Names[HttpMethods.Index(Encoding.UTF8.GetBytes(method))]);
    }

    [Theory]
    [InlineData(100, "100")]
    [InlineData(200, "200")]
    [InlineData(499, "499")]
    [InlineData(599, "599")]
    [InlineData(99, "other")]
    [InlineData(600, "other")]
    [InlineData(999, "other")]
    [InlineData(-1, "other")]
    public void Status_outside_100_to_599_is_other(int status, string label)
    {
        Assert.Equal(label, StatusLabel.Name(StatusLabel.Normalize(status)));
    }

    [Theory]
    [InlineData("HIT", "HIT")]
    [InlineData("REVALIDATED", "REVALIDATED")]
    [InlineData("hit", "other")]
    [InlineData("WHATEVER", "other")]
    public void Cache_status_is_one_of_nginx_values_else_other(string value, string label)
    {
        Assert.Equal(label, CacheStatuses.Names[CacheStatuses.Index(Encoding.UTF8.GetBytes(value))]);
    }
}
