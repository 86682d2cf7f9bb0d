"""The login and logout commands: signing in to a provider that wants OAuth (Google)."""

from __future__ import annotations

import click

from followup_cal.cli.base import cli, reports_errors
from followup_cal.errors import FollowupCalError

PROVIDERS = click.Choice(["google"])


@cli.command()
@click.argument("provider", type=PROVIDERS)
@click.option(
    "--client-secrets",
    metavar="FILE",
    required=True,
    help="Your OAuth client's JSON ('Desktop app'), from Google Cloud's console.",
)
@click.option("--mail", is_flag=True, help="Also allow reading Gmail over IMAP (for inbox).")
@click.option("--no-browser", is_flag=True, help="Print the address to open; do not open it.")
@reports_errors
def login(provider: str, client_secrets: str, mail: bool, no_browser: bool) -> None:
    """Sign in to Google so that sync (--auth google) and inbox can reach your calendar
    and mail, with your own OAuth client.

    A browser page asks you to allow access; it then comes back to this machine
    (127.0.0.1). Only the calendar is asked for, and with --mail also the mail
    (Gmail's IMAP takes no narrower scope). The tokens are kept in the system keyring,
    else in a file only you can read; `followup-cal logout google` forgets them.

    \b
    Example:
      followup-cal login google --client-secrets ~/Downloads/client_secret.json
    """
    from followup_cal.google import oauth, tokens

    client = oauth.read_client_secrets(client_secrets)
    scopes = [oauth.CALENDAR_SCOPE] + ([oauth.MAIL_SCOPE] if mail else [])

    def browse(url: str) -> bool:
        import webbrowser

        try:
            return webbrowser.open(url)
        except webbrowser.Error:
            return False

    signed = oauth.sign_in(
        client,
        scopes,
        show=lambda text: click.echo(text, err=True),
        show_url=click.echo,  # alone on standard output: for a script or another machine
        open_browser=None if no_browser else browse,
    )
    if oauth.CALENDAR_SCOPE not in signed.scopes:
        raise oauth.SignInNeeded(
            "the calendar was not allowed on Google's page; nothing saved: sign in again "
            "and tick the calendar"
        )
    where = tokens.save(signed)
    allowed = "your calendar and mail" if oauth.MAIL_SCOPE in signed.scopes else "your calendar"
    click.echo(f"signed in to Google ({allowed}); the tokens are in {where}")
    if mail and oauth.MAIL_SCOPE not in signed.scopes:
        click.echo("note: mail was not allowed on Google's page; inbox cannot use it", err=True)


@cli.command()
@click.argument("provider", type=PROVIDERS)
@reports_errors
def logout(provider: str) -> None:
    """Forget the Google sign-in on this machine, and ask Google to revoke it.

    \b
    Example:
      followup-cal logout google
    """
    from followup_cal.google import oauth, tokens

    try:
        saved = tokens.load()
    except FollowupCalError:
        saved = None  # unreadable: forgotten all the same
    revoked = oauth.revoke(saved) if saved is not None else False
    removed = tokens.forget()
    if not removed:
        click.echo("not signed in to Google on this machine; nothing to forget")
        return
    click.echo(f"forgot the Google sign-in ({', '.join(removed)})")
    if saved is not None and not revoked:
        click.echo(
            "note: Google could not be asked to revoke it; remove followup-cal at "
            "https://myaccount.google.com/permissions",
            err=True,
        )
