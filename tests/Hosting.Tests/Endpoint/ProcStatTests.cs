using Sidecars.Hosting;

namespace Sidecars.Tests.Hosting.Endpoint;

public sealed class ProcStatTests
{
    [Fact]
    public void Fields_are_counted_after_the_command_name_even_when_it_holds_spaces_and_parentheses()
    {
        const string Stat = "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 75 0 0 20 0 12 0 987654 123456789 4321 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0";
        var stat = ProcStat.Parse(Stat);
        Assert.Equal(new ProcStat(UserTicks: 150, SystemTicks: 75, StartTicks: 987654, VirtualBytes: 123456789, ResidentPages: 4321), stat);
    }

    [Fact]
    public void Boot_time_and_the_soft_open_files_limit_are_read()
    {
        Assert.Equal(1700000000, ProcStat.ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"));
        const string Limits = "Limit                     Soft Limit           Hard Limit           Units     \n" +
            "Max processes             63704                63704                processes \n" +
            "Max open files            1024                 524288               files     \n";
        Assert.Equal(1024, ProcStat.ParseMaxOpenFiles(Limits));
        Assert.Equal(double.PositiveInfinity, ProcStat.ParseMaxOpenFiles("Max open files            unlimited            unlimited            files\n"));
    }

    [Fact]
    public void A_truncated_stat_line_is_a_format_error_not_a_crash() =>
        Assert.Throws<FormatException>(() => ProcStat.Parse("4242 (x) S 1 2"));
}
