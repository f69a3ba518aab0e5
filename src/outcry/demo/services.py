"""Loading the demo world (the seeds' cases, officials and petition) from data files."""

import json
import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outcry.actions.models import CallAction, LetterAction, Petition
from outcry.cases.models import Case, CaseUpdate
from outcry.cases.services import case_sync_status
from outcry.comments.demo import demo_load_comments
from outcry.core import roles
from outcry.core.crypto import seal
from outcry.mailings.models import Mailing, MailingVariant, Segment
from outcry.news.models import Post, Topic
from outcry.news.search import search_reindex_all
from outcry.news.services import post_actions_set
from outcry.solidarity.models import SolidarityAction, SolidarityMessage
from outcry.solidarity.packs import pack_generate, pack_request
from outcry.solidarity.services import messages_approve
from outcry.subscriptions.demo import demo_load_subscribers
from outcry.supporters.services import supporter_get_or_create
from outcry.targets.models import Office, Target
from outcry.targets.services import tenure_begin

DATA_DIR = Path(__file__).resolve().parent / "data"


def _translated(obj, field: str, value) -> None:
    """Set ``field`` from a plain value or a {language: text} mapping."""
    if isinstance(value, dict):
        for language, text in value.items():
            setattr(obj, f"{field}_{language}", text)
        setattr(obj, field, value.get(settings.LANGUAGE_CODE, ""))
    else:
        setattr(obj, field, value)


def _load(name: str) -> list[dict]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create or refresh the demo content. Safe to run again: it updates in place."""
    targets = demo_load_offices()

    cases = {}
    for row in _load("cases.json"):
        case = Case.objects.filter(slug=row["slug"]).first() or Case(slug=row["slug"])
        for field, value in row.items():
            if field not in {"slug", "updates"}:
                _translated(case, field, value)
        case.is_published = True
        case.full_clean()
        case.save()
        for update_row in row.get("updates", []):
            title = update_row["title"]
            title_en = title["en"] if isinstance(title, dict) else title
            update = CaseUpdate.objects.filter(case=case, title_en=title_en).first() or CaseUpdate(
                case=case
            )
            update.date = date.fromisoformat(update_row["date"])
            update.new_status = update_row.get("new_status", "")
            _translated(update, "title", title)
            _translated(update, "body", update_row.get("body", ""))
            update.full_clean()
            update.save()
        case_sync_status(case=case)
        cases[row["slug"]] = case

    for row in _load("petitions.json"):
        petition = Petition.objects.filter(slug=row["slug"]).first() or Petition(slug=row["slug"])
        petition.case = cases[row["case"]]
        petition.office = targets[row["office"]]
        for field in ("reference", "status", "goal"):
            setattr(petition, field, row[field])
        for field in ("title", "ask", "background"):
            _translated(petition, field, row[field])
        petition.full_clean()
        petition.save()
    demo_load_actions(cases=cases, offices=targets)
    demo_load_solidarity(cases=cases)
    posts = demo_load_posts()
    demo_load_comments()
    demo_load_subscribers()
    demo_load_mailing()
    search_reindex_all()
    return {"targets": len(targets), "cases": len(cases), "posts": posts}


def demo_load_actions(*, cases: dict, offices: dict) -> None:
    """The seed-001 letter to Minister Lavrov (English and French) and a call action."""
    data = _load("actions.json")
    for model, rows, text_fields in [
        (LetterAction, data["letters"], ("title", "subject", "background", "body")),
        (CallAction, data["calls"], ("title", "background", "script")),
    ]:
        for row in rows:
            action = model.objects.filter(slug=row["slug"]).first() or model(slug=row["slug"])
            action.case = cases[row["case"]]
            action.office = offices[row["office"]]
            for field, value in row.items():
                if field in text_fields:
                    _translated(action, field, value)
                elif field not in {"slug", "case", "office"}:
                    setattr(action, field, value)
            action.full_clean()
            action.save()


def demo_load_solidarity(*, cases: dict) -> None:
    """ "Send a message of solidarity to Elena Milashina" (English and French): a few
    approved messages in several languages (shown on her case page), one held for a
    moderator, and a pack of the approved ones. The writers' addresses are the demo's own
    (example.org); their words are sealed as any writer's are."""
    for row in _load("solidarity.json")["actions"]:
        action = SolidarityAction.objects.filter(slug=row["slug"]).first() or SolidarityAction(
            slug=row["slug"]
        )
        action.case = cases[row["case"]]
        for field, value in row.items():
            if field in {"title", "recipient", "background"}:
                _translated(action, field, value)
            elif field not in {"slug", "case", "messages"}:
                setattr(action, field, value)
        action.full_clean()
        action.save()
        now = timezone.now()
        to_approve = []
        for number, item in enumerate(row["messages"], start=1):
            email = f"solidarity-{number}@example.org"
            supporter, _ = supporter_get_or_create(
                email=email,
                first_name=item["first_name"],
                last_name="",
                country=item["country"],
                language=item["language"] if item["language"] in ("en", "fr") else "en",
            )
            message, created = SolidarityMessage.objects.get_or_create(
                action=action,
                email_hash=supporter.email_hash,
                defaults={
                    "supporter": supporter,
                    "country": item["country"],
                    "language": "en",
                    "message_language": item["language"],
                    "personal_data": seal(
                        {"first_name": item["first_name"], "message": item["text"]}
                    ),
                    "held_reason": item.get("held_reason", ""),
                    "confirmed_at": now,
                },
            )
            if created and item["approved"]:
                to_approve.append(message)
        if to_approve:
            messages_approve(messages=to_approve, actor=None)
        if not action.packs.exists():
            pack = pack_request(action=action, language="en", actor=None)
            pack_generate(pack_id=pack.pk)


def demo_load_offices() -> dict[str, Office]:
    """Create or refresh the demo offices and their holders (by key), oldest holder first,
    so the last one listed holds the office today and the others are its history."""
    offices = {}
    for row in _load("targets.json"):
        office = (
            Office.objects.filter(key=row["key"]).first()
            # A demo database from before offices: the migration named it after its title.
            or Office.objects.filter(title_en=row["title"]["en"]).first()
            or Office()
        )
        office.key = row["key"]
        for field, value in row.items():
            if field not in {"key", "holders"}:
                _translated(office, field, value)
        office.full_clean()
        office.save()
        for holder in row["holders"]:
            target = Target.objects.filter(key=holder["key"]).first() or Target(key=holder["key"])
            for field, value in holder.items():
                if field not in {"key", "since"}:
                    _translated(target, field, value)
            target.full_clean()
            target.save()
            since = date.fromisoformat(holder["since"])
            if not office.tenures.filter(target=target, started_on=since).exists():
                tenure_begin(office=office, target=target, started_on=since)
        offices[row["key"]] = office
    return offices


def demo_load_mailing() -> Mailing:
    """The seed-000 alert about Elena Milashina (English and French) to the subscribers of
    the Russian Federation, as a draft a campaigner previews and sends. Left alone once it
    has been sent; running again refreshes the draft."""
    data = _load_object("mailing.json")
    segment, _ = Segment.objects.get_or_create(name=data["segment"]["name"])
    segment.subscribed_countries = data["segment"]["subscribed_countries"]
    segment.save()
    mailing = Mailing.objects.filter(name=data["name"]).first() or Mailing(name=data["name"])
    if mailing.pk is not None and not mailing.is_editable:
        return mailing
    mailing.segment = segment
    mailing.default_language = data["default_language"]
    mailing.full_clean()
    mailing.save()
    for language, fields in data["variants"].items():
        variant = MailingVariant.objects.filter(mailing=mailing, language=language).first()
        variant = variant or MailingVariant(mailing=mailing, language=language)
        for field, value in fields.items():
            setattr(variant, field, value)
        variant.full_clean()
        variant.save()
    return mailing


def _load_object(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def demo_load_posts() -> int:
    """Create or refresh the demo topics and posts (seeds 002, 003, 004) from posts.json.

    Posts are found by slug and updated in place, so running it again changes nothing.
    """
    data = json.loads((DATA_DIR / "posts.json").read_text(encoding="utf-8"))
    topics = {}
    for row in data["topics"]:
        topic = Topic.objects.filter(slug=row["slug"]).first() or Topic(slug=row["slug"])
        _translated(topic, "name", row["name"])
        _translated(topic, "description", row.get("description", ""))
        topic.full_clean()
        topic.save()
        topics[row["slug"]] = topic
    for row in data["posts"]:
        post = Post.objects.filter(slug=row["slug"]).first() or Post(slug=row["slug"])
        post.kind = row["kind"]
        post.author = row.get("author", "")
        post.countries = row.get("countries", [])
        post.comment_mode = row.get("comment_mode", Post.CommentMode.CLOSED)
        post.published_at = parse_datetime(row["published_at"])
        post.is_published = True
        for field in ("title", "summary", "body"):
            _translated(post, field, row.get(field, ""))
        post.full_clean()
        post.save()
        post.topics.set([topics[slug] for slug in row.get("topics", [])])
        post.cases.set(Case.objects.filter(slug__in=row.get("cases", [])))
        post_actions_set(
            post=post, actions=Petition.objects.filter(slug__in=row.get("petitions", []))
        )
    return len(data["posts"])


def demo_staff_logins(path: Path) -> dict[str, str]:
    """Staff logins for the demo: an administrator and a campaigner, passwords kept in var/."""
    logins = json.loads(path.read_text()) if path.exists() else {}
    User = get_user_model()
    for username, role in [("admin", roles.ADMINISTRATOR), ("campaigner", roles.CAMPAIGNER)]:
        password = logins.get(username) or secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first() or User(username=username)
        user.is_staff = True
        user.is_superuser = role == roles.ADMINISTRATOR
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        logins[username] = password
    path.write_text(json.dumps(logins, indent=2))
    path.chmod(0o600)
    return logins
