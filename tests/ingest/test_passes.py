"""The extractor's passes on short article-style texts written for these tests (no real article text)."""

from __future__ import annotations

import pytest

from bot.briefs.models import Dialogue, Participant
from bot.ingest.article import read_article
from bot.ingest.extract import Draft, extract
from bot.ingest.passes.candidates import candidates
from bot.ingest.passes.segment import Line, sentences

LEAD = "The Indus Policy Circle (IPC) hosted a roundtable in Lahore on 14 February 2024. "


def _draft(text: str) -> Draft:
    return extract(read_article(text, html=False))


def _dialogue(text: str) -> Dialogue:
    return _draft(text).dialogue


def _person(d: Dialogue, name: str) -> Participant:
    found = d.participant(name)
    assert found is not None, [p.name for p in d.participants]
    return found


def _facts(p: Participant) -> tuple[str | None, str | None, str | None]:
    return p.honorific, p.role, p.affiliation


def test_sentences_keep_an_unseen_abbreviation_together() -> None:
    """A full stop after an abbreviation the splitter has no list entry for ("Sqn. Ldr.") does not end a sentence."""
    text = "The talk was given by Sqn. Ldr. Tahir Aziz of the air staff. Questions followed."
    spans = sentences(Line(0, len(text), text, "paragraph"))
    assert [s.text for s in spans] == [
        "The talk was given by Sqn. Ldr. Tahir Aziz of the air staff.",
        "Questions followed.",
    ]


def test_sentences_keep_offsets_into_the_text() -> None:
    """Every sentence's offsets point at its own characters in the unmodified text."""
    text = "  First point here. Second point there."
    for span in sentences(Line(2, len(text), text.strip(), "paragraph")):
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("text", "name", "honorific"),
    [
        ("Assoc. Prof. Dr. Leyla Demir opened the panel.", "Leyla Demir", "Assoc. Prof. Dr."),
        ("Lt Gen (R) Tariq Javed opened the panel.", "Tariq Javed", "Lt Gen (R)"),
        ("H.E. Mr. Karim Osmani opened the panel.", "Karim Osmani", "H.E. Mr."),
        ("Air Cdre Saleem Akhtar opened the panel.", "Saleem Akhtar", "Air Cdre"),
    ],
)
def test_stacked_and_abbreviated_honorifics(text: str, name: str, honorific: str) -> None:
    """Stacked, abbreviated and retired-rank prefixes are the honorific, not part of the name."""
    [cand] = candidates(text, 0, set())
    assert (cand.name, cand.honorific) == (name, honorific)


def test_letters_after_a_name_are_not_part_of_it() -> None:
    """Post-nominal letters ("MNA", "HI (M)") after a name are dropped from it."""
    found = candidates("Then Imran Qureshi MNA and Air Marshal Javed Hayat HI (M) spoke.", 0, set())
    assert [c.name for c in found] == ["Imran Qureshi", "Javed Hayat"]


def test_surname_first_in_capitals() -> None:
    """A surname in capitals before the given name ("PARK Jiwon") is a name, and stays as written."""
    d = _dialogue(
        LEAD + "Speakers:\nPARK Jiwon, Senior Fellow, Asan Policy Forum\nLEE Minho, Professor, Hanbit University"
    )
    assert _facts(_person(d, "PARK Jiwon")) == (None, "Senior Fellow", "Asan Policy Forum")


def test_plural_honorific_applies_to_each_name() -> None:
    """'Ambassadors A, B and C' gives each of them the honorific Ambassador."""
    d = _dialogue(LEAD + "Ambassadors Nadeem Riaz, Sadia Malik and Kamran Shafi took part in the discussion.")
    assert [p.honorific for p in d.participants] == ["Ambassador"] * 3


def test_role_before_the_name_is_a_role_not_an_honorific() -> None:
    """'former Foreign Secretary Jane Doe': the words before the name are her role."""
    d = _dialogue(LEAD + "The meeting was addressed by former Foreign Secretary Jane Doe.")
    assert _facts(_person(d, "Jane Doe")) == (None, "former Foreign Secretary", None)


def test_descriptor_without_commas() -> None:
    """'Name Role at Org' without commas splits into role and affiliation."""
    d = _dialogue(LEAD + "Ms. Hina Latif Research Officer at the Peshawar Policy Lab spoke on water.")
    assert _facts(_person(d, "Hina Latif")) == ("Ms.", "Research Officer", "Peshawar Policy Lab")


def test_an_institution_is_an_affiliation_not_a_role() -> None:
    """A descriptor that is only an institution fills the affiliation, never the role."""
    d = _dialogue(LEAD + "Speakers included Mr. Omar Farooq, Sindh Trade Council, and Dr. Rabia Saeed, Director, IPC.")
    assert _facts(_person(d, "Omar Farooq")) == ("Mr.", "speaker", "Sindh Trade Council")  # his part, no title


def test_shared_role_after_a_list_of_names() -> None:
    """'A, B and C, Fellows of X' gives each of them the role Fellow and the affiliation X."""
    d = _dialogue(LEAD + "It was joined by Ali Raza, Sana Mir and Tariq Khan, Fellows of the Lahore Institute.")
    assert {_facts(p) for p in d.participants} == {(None, "Fellow", "Lahore Institute")}


def test_respectively_pairs_roles_with_names() -> None:
    """'A and B, Director and Deputy Director of X respectively' pairs the roles in order."""
    d = _dialogue(
        LEAD + "Dr. Anura Perera and Ms. Dilani Fonseka, Director and Deputy Director of IPC respectively, spoke."
    )
    assert [(p.role, p.affiliation) for p in d.participants] == [("Director", "IPC"), ("Deputy Director", "IPC")]


def test_descriptor_stops_before_the_next_clause() -> None:
    """A descriptor ends where the sentence goes on ("..., who chaired ...")."""
    d = _dialogue(LEAD + "Dr. Salma Iqbal, Dean of Law at Ravi University, who chaired the meeting, spoke first.")
    assert _facts(_person(d, "Salma Iqbal")) == ("Dr.", "Dean of Law", "Ravi University")


def test_full_name_then_surname_is_one_participant() -> None:
    """A later surname-only mention joins the full name instead of becoming a second person."""
    d = _dialogue(LEAD + "Dr. Faisal Anwar, Director, IPC, opened the meeting. Later, Dr. Anwar said trade must grow.")
    assert [p.name for p in d.participants] == ["Faisal Anwar"]


def test_a_message_read_by_someone_else_is_a_mention() -> None:
    """The sender of a message read out is a mention; the person reading it is a participant."""
    d = _dialogue(
        LEAD + "Minister Bashir Ahmed's message, read by Joint Secretary Nida Khan, welcomed the participants."
    )
    assert [p.name for p in d.participants] == ["Nida Khan"] and [m.name for m in d.mentions] == ["Bashir Ahmed"]


def test_a_person_quoted_from_elsewhere_is_a_mention() -> None:
    """Someone the speakers quote is not a participant."""
    d = _dialogue(LEAD + "Dr. Faisal Anwar, Director, IPC, spoke. Quoting Ravi Shankar Menon, he said trade matters.")
    assert d.participant("Ravi Shankar Menon") is None and "Ravi Shankar Menon" in [m.name for m in d.mentions]


def test_part_in_the_event_when_no_title_is_given() -> None:
    """With no title in the text, the role is the person's part ("keynote speaker")."""
    d = _dialogue(LEAD + "The keynote speaker was Dr. Farid Alam. He said that energy trade was the priority.")
    assert _facts(_person(d, "Farid Alam")) == ("Dr.", "keynote speaker", None)


def test_places_and_institutions_are_not_people() -> None:
    """Capitalised places, institutions and titles are not taken for names."""
    d = _dialogue(
        LEAD + "Changing Dynamics in South Asia was the theme. The Karachi Port Trust and Quaid-i-Azam University "
        "sent observers. Dr. Faisal Anwar, Director, IPC, spoke."
    )
    assert [p.name for p in d.participants] == ["Faisal Anwar"]


def test_weekday_resolved_against_the_dateline() -> None:
    """'on Saturday' in a report datelined Monday 11 March 2024 is Saturday 9 March 2024."""
    draft = _draft("LAHORE, March 11, 2024 (APP) – The Indus Policy Circle held a dialogue on Saturday on trade.")
    assert draft.dialogue.date == "2024-03-09" and any("weekday" in line for line in draft.review.unsure)


def test_a_year_is_never_borrowed_from_another_number() -> None:
    """A day and month with no year stay unknown even when another year appears in the text."""
    d = _dialogue("The Indus Policy Circle held a seminar on 12 June on its Vision 2030 plan.")
    assert d.date is None and d.date_note and "without a year" in d.date_note


def test_session_heading_and_title_on_separate_lines() -> None:
    """'SESSION-II' on one line and its title on the next make one named session with its moderator."""
    text = LEAD + "\nSESSION-II\nWater and the Indus Treaty\nModerator: Dr. Rabia Saeed, Director, IPC\n"
    d = _dialogue(text + "Speakers: Mr. Omar Farooq, Sindh Trade Council")
    assert [(s.title, s.moderator) for s in d.sessions] == [("Water and the Indus Treaty", "Rabia Saeed")]


def test_session_title_in_single_quotes() -> None:
    """A session introduced in prose with its title in single quotes is found."""
    d = _dialogue(LEAD + "The first session on ‘Ports and Corridors’ was chaired by Dr. Rabia Saeed, Director, IPC.")
    assert [(s.title, s.moderator) for s in d.sessions] == [("Ports and Corridors", "Rabia Saeed")]


def test_group_statement_is_credited_to_the_group() -> None:
    """'Speakers called for ...' is credited to all participants, never to one of them."""
    d = _dialogue(
        LEAD + "Dr. Faisal Anwar, Director, IPC, and Ms. Hina Latif, Research Officer, IPC, spoke. "
        "Speakers called for a joint water commission."
    )
    group = [p for p in d.positions if "water commission" in p.summary]
    assert [tuple(p.by) for p in group] == [("Faisal Anwar", "Hina Latif")]


def test_a_line_that_looks_like_an_author_box_does_not_cut_the_body() -> None:
    """A 'Name, journalist' line in the middle of the page keeps everything after it."""
    text = LEAD + "Speakers:\nAsma Tariq, journalist, Daily Indus\nDr. Faisal Anwar, Director, IPC\n" + ("Text. " * 60)
    d = _dialogue(text)
    assert {p.name for p in d.participants} == {"Asma Tariq", "Faisal Anwar"}


def test_review_flags_a_single_assumed_session() -> None:
    """When no session is named, the review says one was assumed."""
    draft = _draft(LEAD + "Dr. Faisal Anwar, Director, IPC, said trade must grow.")
    assert any(line.startswith("sessions:") and "assumed" in line for line in draft.review.unsure)


def test_review_flags_a_role_that_may_be_an_organisation() -> None:
    """A role that reads like an institution is listed for the analyst."""
    draft = _draft(LEAD + "Mr. Omar Farooq, Member, Sindh Trade Council Secretariat Board, spoke.")
    assert draft.dialogue.participant("Omar Farooq") is not None
    assert not any("may be an organisation" in line and "Member" in line for line in draft.review.unsure)


def test_every_participant_has_offsets_into_the_text() -> None:
    """The draft records where each participant's name stands in the article text."""
    article = read_article(LEAD + "Dr. Faisal Anwar, Director, IPC, said trade must grow.", html=False)
    draft = extract(article)
    [(start, end)] = draft.evidence["Faisal Anwar"]
    assert article.text[start:end] == "Faisal Anwar"


def test_members_of_a_delegation_have_that_part() -> None:
    """People listed as a delegation's members, with no title, have 'member of the X delegation' as role."""
    d = _dialogue(LEAD + "The Turkmen delegation comprised Merdan Atayev and Gulnara Berdieva.")
    assert {p.role for p in d.participants} == {"member of the Turkmen delegation"}


def test_a_misspelt_long_honorific_is_still_an_honorific() -> None:
    """'Ambasador X' (one s) gives the honorific as written, not a name starting with it."""
    d = _dialogue(LEAD + "The talk was given by Ambasador Serdar Orazov, Director, IPC.")
    assert _facts(_person(d, "Serdar Orazov")) == ("Ambasador", "Director", "IPC")


def test_letters_after_a_comma_are_not_a_role() -> None:
    """'Maj Gen X, ndc, psc, Commandant of Y' keeps the letters out of the role."""
    d = _dialogue(LEAD + "Maj Gen Asif Khan, ndc, psc, Commandant of the Staff College, spoke on deterrence.")
    assert _facts(_person(d, "Asif Khan")) == ("Maj Gen", "Commandant", "Staff College")


def test_a_visiting_delegations_institute_is_not_an_organiser() -> None:
    """The institute a visiting delegation comes from is not listed among the organisers."""
    d = _dialogue(
        "A delegation from the Caspian Studies Institute (CSI) visited the Indus Policy Circle (IPC) in Lahore, "
        "which hosted a roundtable on 14 February 2024. Dr. Faisal Anwar, Director, IPC, spoke."
    )
    assert [o.acronym for o in d.organizers] == ["IPC"]


EVENT_PAGE = """Nuclear Risk in Southern Asia
Tuesday, March 5, 2019 / 9:30am - 11:00am
The Caspian Policy Forum (CPF) hosts a discussion on nuclear risk.
Speakers
Dr. Amara Singh
Senior Fellow, Caspian Policy Forum
Lena Park | Professor, Hanbit University
Moderator
Yusuf Demir
Editor, Eurasia Review
"""


def test_name_on_one_line_and_its_descriptor_on_the_next() -> None:
    """An event page's speaker list, name above title, gives role and affiliation."""
    d = _dialogue(EVENT_PAGE)
    assert _facts(_person(d, "Amara Singh")) == ("Dr.", "Senior Fellow", "Caspian Policy Forum")


def test_a_label_alone_on_its_line_heads_the_list_under_it() -> None:
    """'Moderator' on its own line makes the name under it the moderator."""
    assert _dialogue(EVENT_PAGE).moderators == ("Yusuf Demir",)


def test_a_title_line_at_the_end_is_not_an_author_box() -> None:
    """'Editor, Eurasia Review' closing a speaker list is kept as the last speaker's descriptor."""
    d = _dialogue(EVENT_PAGE)
    assert _facts(_person(d, "Yusuf Demir")) == (None, "Editor", "Eurasia Review")
    assert _facts(_person(d, "Lena Park")) == (None, "Professor", "Hanbit University")


def test_a_name_after_a_preposition_in_a_role_is_not_a_person() -> None:
    """'Adviser to the Prime Minister on Institutional Reforms' keeps the capitalised topic in the role."""
    d = _dialogue(LEAD + "Dr. Ishrat Karim, Adviser to the Prime Minister on Institutional Reforms, spoke first.")
    assert [(p.name, p.role) for p in d.participants] == [
        ("Ishrat Karim", "Adviser to the Prime Minister on Institutional Reforms")
    ]


def test_joint_subjects_share_a_statement() -> None:
    """'A, Role, and B, Role, spoke' credits the statement to both, not to the first name only."""
    d = _dialogue(LEAD + "Dr. Faisal Anwar, Director, IPC, and Ms. Hina Latif, Research Officer, IPC, spoke on trade.")
    assert [tuple(p.by) for p in d.positions] == [("Faisal Anwar", "Hina Latif")]


def test_a_date_range_gives_its_first_day() -> None:
    """'on 9 and 10 December 2019' is the 9th, with a note that the event ran over several days."""
    d = _dialogue("The Indus Policy Circle held its dialogue in Lahore on 9 and 10 December 2019.")
    assert d.date == "2019-12-09" and d.date_note and "several days" in d.date_note


def test_surname_in_capitals_then_surname_mention() -> None:
    """'ZHA Daojiong' then 'Prof. Zha said' is one person, credited with the statement."""
    d = _dialogue(LEAD + "Participants included Prof. ZHA Daojiong (Peking University). Prof. Zha stressed trade.")
    assert [p.name for p in d.participants] == ["ZHA Daojiong"] and d.positions[0].by == ("ZHA Daojiong",)


def test_event_page_date_under_its_title() -> None:
    """An event page listing its speakers takes the weekday date under its title as the event date."""
    text = "Deterrence in a New Era\nThursday, September 12, 2019\nSpeakers\nDr. Kim Jiyoon\nResearch Fellow, IPC\n"
    assert _dialogue(text).date == "2019-09-12"


def test_a_person_quoted_with_as_x_said_is_a_mention() -> None:
    """'As President X said last year, ...' quotes someone who did not take part."""
    d = _dialogue(LEAD + "As President Joe Biden said last year, climate is a threat, remarked Dr. Faisal Anwar, IPC.")
    assert d.participant("Joe Biden") is None and [m.name for m in d.mentions] == ["Joe Biden"]


def test_a_portfolio_before_a_name_is_part_of_the_role() -> None:
    """'Federal Minister for Climate Change Sherry Rehman': the portfolio is not part of her name."""
    d = _dialogue(LEAD + "Federal Minister for Climate Change Sherry Rehman, the chief guest, said floods cost dearly.")
    assert [(p.name, p.role) for p in d.participants] == [("Sherry Rehman", "Federal Minister for Climate Change")]


def test_surname_in_capitals_that_recurs_is_still_a_name() -> None:
    """'Mr. AOKI Kenta' stays a name even when 'AOKI' recurs (it is not an acronym)."""
    d = _dialogue(
        LEAD + "Speakers included Mr. AOKI Kenta, Minister, Embassy of Japan. Mr. AOKI said ties were strong."
    )
    assert _facts(_person(d, "AOKI Kenta")) == ("Mr.", "Minister", "Embassy of Japan")


def test_names_after_speakers_were_have_the_part_speaker() -> None:
    """'The speakers were A, B and C' gives each of them, lacking a title, the role speaker."""
    d = _dialogue(LEAD + "The speakers were Dr. Asma Khawaja, Ms. Rabia Akhtar and Mr. Mosharraf Zaidi.")
    assert {p.role for p in d.participants} == {"speaker"}


def test_a_hyphenated_given_name_ending_in_a_short_word() -> None:
    """'Moon Chung-in' is a name (a joiner word only breaks a compound in its middle)."""
    d = _dialogue(LEAD + "Moon Chung-in, Chairman of the Sejong Foundation, spoke.")
    assert _facts(_person(d, "Moon Chung-in")) == (None, "Chairman", "Sejong Foundation")


def test_a_courtesy_prefix_before_a_role_is_an_honorific() -> None:
    """ "Hon'ble State Minister X": the prefix is the honorific, the role starts after it."""
    d = _dialogue(LEAD + "Hon'ble State Minister for Planning Asad Umar, the chief guest, spoke.")
    assert _facts(_person(d, "Asad Umar")) == ("Hon'ble", "State Minister for Planning", None)


def test_capitalised_topics_after_included_are_not_people() -> None:
    """'Topics included Integrated Transport and Sea Ports' names no one; 'speakers included' does."""
    d = _dialogue(
        LEAD + "Topics included Integrated Transport, Coastal Shipping and Sea Ports. "
        "Speakers included Farida Baig and Omar Lodhi."
    )
    assert [p.name for p in d.participants] == ["Farida Baig", "Omar Lodhi"]


def test_an_acronym_before_a_capitalised_word_is_not_a_surname() -> None:
    """'SIPRI Arms and Military Expenditure Programme' is an organisation, not a person called SIPRI Arms."""
    d = _dialogue(
        "SIPRI launches its yearbook.\nSpeakers\nDr Lucie Bernard, Director, SIPRI Arms and Military Programme"
    )
    assert [p.name for p in d.participants] == ["Lucie Bernard"]


PROGRAMME = """Maritime Futures in the Arabian Sea
Panel I: Ports and Corridors
• Dr. Kamal Haider, Chair
Vice President, Centre for Coastal Studies, Gwadar Policy Forum
• Mr. Idris Baloch, Speaker
Deputy Secretary, Ministry of Maritime Affairs
"""


def test_programme_part_after_the_name_and_title_on_the_line_below() -> None:
    """'• Dr. X, Chair' above 'Vice President, Y' gives the title below as role and makes X the session's chair."""
    d = _dialogue(PROGRAMME)
    assert _facts(_person(d, "Kamal Haider")) == (
        "Dr.",
        "Vice President",
        "Centre for Coastal Studies, Gwadar Policy Forum",
    )
    assert [(s.title, s.moderator) for s in d.sessions] == [("Ports and Corridors", "Kamal Haider")]


def test_affiliations_written_as_compact_names() -> None:
    """'(TabadLab)', 'WWF-Pakistan', 'SDSB-LUMS' are affiliations, never roles."""
    d = _dialogue(
        LEAD + "The speakers were Mosharraf Zaidi (TabadLab), Mehreen Shahzad, WWF-Pakistan, and "
        "Dr. Saba Shahid, Research Associate, SDSB-LUMS."
    )
    assert [p.affiliation for p in d.participants] == ["TabadLab", "WWF-Pakistan", "SDSB-LUMS"]


def test_offsets_trace_names_sessions_and_the_date_in_a_datelined_report() -> None:
    """With a dateline, every offset still points into the article's own text."""
    article = read_article(
        "LAHORE, March 11, 2024 (APP) – The Indus Policy Circle held a dialogue on Saturday. "
        "The first session, titled “Ports and Corridors”, was chaired by Dr. Rabia Saeed, Director, IPC.",
        html=False,
    )
    draft = extract(article)
    [(start, end)] = draft.evidence["Rabia Saeed"]
    [(s_start, _)] = draft.evidence["session: Ports and Corridors"]
    [(d_start, d_end)] = draft.evidence["date"]
    assert article.text[start:end] == "Rabia Saeed" and article.text[s_start:].startswith("The first session")
    assert article.text[d_start:d_end] == "on Saturday"


def test_a_group_heading_gives_the_names_under_it_their_role() -> None:
    """'Members of Parliament:' above a list of names gives each of them the role Member of Parliament."""
    d = _dialogue(
        LEAD + "\nMembers of Parliament:\nEsen Toktorov\nAibek Sadykov\nRepresentatives of Committees:\nDina Isma"
    )
    assert [(p.name, p.role) for p in d.participants][:2] == [
        ("Esen Toktorov", "Member of Parliament"),
        ("Aibek Sadykov", "Member of Parliament"),
    ]


def test_a_sentence_ends_after_an_abbreviation_when_a_new_one_starts() -> None:
    """'... and the U.S. He said ...' is two sentences; 'The U.S. Institute of Peace' is not cut."""
    text = "Talks with the U.S. He said they mattered. The U.S. Institute of Peace hosted it."
    parts = [s.text for s in sentences(Line(0, len(text), text, "paragraph"))]
    assert parts == ["Talks with the U.S.", "He said they mattered.", "The U.S. Institute of Peace hosted it."]


def test_chair_of_an_unnamed_session_has_that_part() -> None:
    """'The second session was chaired by X' gives X, with no title, the role 'chair of the second session'."""
    d = _dialogue(LEAD + "The second session was chaired by Rashid Malik. Dr. Faisal Anwar, Director, IPC, spoke.")
    assert _facts(_person(d, "Rashid Malik")) == (None, "chair of the second session", None)


def test_statements_credited_by_surname_alone() -> None:
    """'Anwar noted ...' and 'According to Dr. Anwar, ...' credit the participant named only by surname."""
    d = _dialogue(
        LEAD + "Dr. Faisal Anwar, Director, IPC, opened it. According to Dr. Anwar, ports matter. "
        "Anwar noted that trade had grown."
    )
    assert [p.by for p in d.positions][-2:] == [("Faisal Anwar",), ("Faisal Anwar",)]


def test_a_day_month_year_dateline_resolves_a_weekday() -> None:
    """'Riyadh, 3 October 2022 – ... on Sunday' is Sunday 2 October 2022."""
    d = _dialogue("Riyadh, 3 October 2022 – The Gulf Policy Circle held a roundtable on Sunday on security.")
    assert d.date == "2022-10-02"


def test_sidebar_lists_and_tickers_are_not_participants() -> None:
    """Names in a 'Latest:' ticker and under an 'Our Experts' heading are page furniture."""
    text = (
        "Latest: Ambassador Khalid Mahmood visits Beijing\nSeminar on the Indus Waters Treaty\n"
        + LEAD
        + "Ms. Ayesha Noor, Research Fellow, IPC, called for data sharing.\n"
        + "Our Experts\nDr. Hasan Askari\nDr. Rubina Saigol\n"
    )
    assert [p.name for p in _dialogue(text).participants] == ["Ayesha Noor"]


def test_a_body_line_starting_with_a_furniture_word_is_kept() -> None:
    """'Experts from both countries attended, including Dr. X' is body text, not a sidebar."""
    d = _dialogue(LEAD + "\nExperts from both countries attended, including Dr. Faisal Anwar, Director, IPC.")
    assert [p.name for p in d.participants] == ["Faisal Anwar"]
