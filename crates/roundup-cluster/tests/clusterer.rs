//! Behaviour tests of the incremental clusterer: dedup folding, merge events, window expiry,
//! stable ids, persistence and bad input.

use chrono::{DateTime, Duration, TimeZone, Utc};
use roundup_cluster::{synth, ClusterConfig, ClusterError, Clusterer, Doc, StoryEvent};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 8, 0, 0).unwrap()
}

fn doc(id: &str, outlet: &str, hours: i64, title: &str, text: &str) -> Doc {
    Doc {
        id: id.into(),
        outlet: outlet.into(),
        published: Some(t0() + Duration::hours(hours)),
        title: title.into(),
        url: String::new(),
        text: text.into(),
        language: None,
    }
}

const WIRE: &str = "Rescue teams searched collapsed buildings in the port city of Valmora on Tuesday after a \
    magnitude 6.8 earthquake struck before dawn, killing at least 41 people and injuring hundreds more. \
    The quake's epicentre was 12 kilometres off the coast, the national seismology institute said. \
    Mayor Elena Strand said power and water had been cut across the old town and that schools would \
    stay closed for the rest of the week while engineers inspect them. Aftershocks rattled the region \
    through the morning, sending residents into the streets. The government has declared a state of \
    emergency and sent army units with heavy lifting equipment to help clear the rubble.";

#[test]
fn syndicated_copies_fold_into_one_item_with_every_outlet() {
    let mut c = Clusterer::new(ClusterConfig::default());
    let a = c
        .ingest_in_order(&doc(
            "ap-1",
            "Wire Service",
            0,
            "Quake kills 41 in Valmora",
            WIRE,
        ))
        .unwrap();
    assert!(a.created && a.duplicate_of.is_none());
    let edited = WIRE
        .replace("on Tuesday", "Tuesday")
        .replace("hundreds more", "hundreds");
    let b = c
        .ingest_in_order(&doc(
            "gazette-9",
            "Harbor Gazette",
            1,
            "Earthquake kills 41 in Valmora",
            &edited,
        ))
        .unwrap();
    assert_eq!(b.duplicate_of.as_deref(), Some("ap-1"));
    assert_eq!(b.story, a.story);
    let trimmed = WIRE.rsplit_once(" The government").unwrap().0.to_string();
    let d = c
        .ingest_in_order(&doc(
            "post-3",
            "Daily Post",
            2,
            "Quake kills 41 in Valmora",
            &trimmed,
        ))
        .unwrap();
    assert_eq!(d.duplicate_of.as_deref(), Some("ap-1"));
    let item = c.duplicates().item("ap-1").unwrap();
    assert_eq!(
        item.outlets,
        ["Wire Service", "Harbor Gazette", "Daily Post"]
    );
    assert_eq!(item.copies, ["gazette-9", "post-3"]);

    // A different story with overlapping vocabulary is not a duplicate.
    let other = "Firefighters contained a warehouse blaze in the port city of Valmora on Tuesday. No one \
        was hurt, the fire service said, but smoke forced the closure of two schools and the harbour road \
        for several hours while crews damped down the site and investigators looked for the cause.";
    let e = c
        .ingest_in_order(&doc(
            "x-1",
            "Daily Post",
            3,
            "Warehouse fire in Valmora port",
            other,
        ))
        .unwrap();
    assert!(e.duplicate_of.is_none());
    assert_ne!(e.story, a.story);
}

#[test]
fn merges_are_reported_and_redirect_old_ids() {
    // Joins need a near-perfect match, merges almost nothing: the second article opens its own
    // story, which is then merged into the first.
    let cfg = ClusterConfig {
        join_short: 0.99,
        merge_short: 0.1,
        merge_min_size: 1,
        dedup_threshold: 2.0,
        ..Default::default()
    };
    let mut c = Clusterer::new(cfg);
    let a = c
        .ingest_in_order(&doc(
            "a",
            "A",
            0,
            "Harbor quake kills dozens in Valmora",
            "",
        ))
        .unwrap();
    let _ = c.take_events();
    let b = c
        .ingest_in_order(&doc(
            "b",
            "B",
            1,
            "Valmora harbor quake kills dozens, mayor says",
            "",
        ))
        .unwrap();
    let events = c.take_events();
    let merged: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, StoryEvent::Merged { .. }))
        .collect();
    assert_eq!(merged.len(), 1, "{events:?}");
    let StoryEvent::Merged { from, into } = *merged[0] else {
        unreachable!()
    };
    assert!(
        events.contains(&StoryEvent::Created { story: from }),
        "{events:?}"
    );
    assert_eq!(into, a.story, "the older story keeps its id on a tie");
    assert_eq!(b.story, a.story);
    assert_eq!(c.resolve(from), a.story);
    assert_eq!(c.story_of("b"), Some(a.story));
    assert_eq!(c.open_stories(), 1);
}

#[test]
fn stories_expire_after_the_window() {
    let mut c = Clusterer::new(ClusterConfig::default());
    let a = c
        .ingest_in_order(&doc("a", "A", 0, "Valmora earthquake kills 41", WIRE))
        .unwrap();
    let _ = c.take_events();
    // 80 hours later (window 72 h), an unrelated article moves the clock.
    c.ingest_in_order(&doc(
        "z",
        "Z",
        80,
        "Parliament passes budget after all-night session",
        "",
    ))
    .unwrap();
    let events = c.take_events();
    assert!(
        events.contains(&StoryEvent::Expired { story: a.story }),
        "{events:?}"
    );
    assert_eq!(c.story_of("a"), None);
    // A late follow-up opens a new story instead of reviving the closed one.
    let late = c
        .ingest_in_order(&doc(
            "a2",
            "B",
            81,
            "Valmora earthquake: death toll rises",
            &WIRE.replace("41", "57"),
        ))
        .unwrap();
    assert!(late.created);
    assert_ne!(late.story, a.story);
    // Within the window the same follow-up would have joined.
    let mut c2 = Clusterer::new(ClusterConfig::default());
    let a = c2
        .ingest_in_order(&doc("a", "A", 0, "Valmora earthquake kills 41", WIRE))
        .unwrap();
    let soon = c2
        .ingest_in_order(&doc(
            "a2",
            "B",
            5,
            "Valmora earthquake: death toll rises",
            &WIRE.replace("41", "57"),
        ))
        .unwrap();
    assert_eq!(soon.story, a.story);
}

#[test]
fn ids_are_stable_deterministic_and_survive_a_snapshot() {
    let arts = synth::generate(900, 7);
    let run = |c: &mut Clusterer, from: usize, to: usize| -> Vec<u64> {
        arts[from..to]
            .iter()
            .map(|a| c.ingest_in_order(&a.doc).unwrap().story)
            .collect()
    };
    let mut full = Clusterer::new(ClusterConfig::default());
    let all = run(&mut full, 0, arts.len());

    // Same input, same ids.
    let mut again = Clusterer::new(ClusterConfig::default());
    assert_eq!(run(&mut again, 0, arts.len()), all);

    // Snapshot half-way, restore, continue: same ids as without the snapshot.
    let mut half = Clusterer::new(ClusterConfig::default());
    let mut ids = run(&mut half, 0, 450);
    let json = half.to_json().unwrap();
    let mut restored = Clusterer::from_json(&json).unwrap();
    ids.extend(run(&mut restored, 450, arts.len()));
    assert_eq!(ids, all);

    // An article's story only ever changes through a reported merge.
    let mut c = Clusterer::new(ClusterConfig::default());
    let mut assigned: Vec<(String, u64)> = Vec::new();
    let mut redirects = std::collections::HashMap::new();
    for a in &arts[..400] {
        let r = c.ingest_in_order(&a.doc).unwrap();
        for e in c.take_events() {
            if let StoryEvent::Merged { from, into } = e {
                redirects.insert(from, into);
            }
        }
        assigned.push((a.doc.id.clone(), r.story));
        for (id, s) in &assigned {
            let mut s = *s;
            while let Some(n) = redirects.get(&s) {
                s = *n;
            }
            if let Some(now) = c.story_of(id) {
                assert_eq!(now, s, "article {id} changed story without a merge event");
            }
        }
    }
}

#[test]
fn synthetic_stream_is_clustered_well() {
    let arts = synth::generate(2000, 11);
    let mut c = Clusterer::new(ClusterConfig::default());
    let stories: Vec<u64> = arts
        .iter()
        .map(|a| c.ingest_in_order(&a.doc).unwrap().story)
        .collect();
    let pred: Vec<u64> = stories.iter().map(|s| c.resolve(*s)).collect();
    let truth: Vec<usize> = arts.iter().map(|a| a.story).collect();
    let (p, r, f) = synth::bcubed(&truth, &pred);
    assert!(p > 0.95 && r > 0.9, "P {p} R {r} F {f}");
}

#[test]
fn bad_articles_are_typed_errors() {
    let mut c = Clusterer::new(ClusterConfig::default());
    assert_eq!(
        c.ingest_in_order(&doc("", "A", 0, "Title", ""))
            .unwrap_err(),
        ClusterError::EmptyId
    );
    c.ingest_in_order(&doc("a", "A", 0, "Title here", ""))
        .unwrap();
    assert_eq!(
        c.ingest_in_order(&doc("a", "A", 1, "Another", ""))
            .unwrap_err(),
        ClusterError::DuplicateId("a".into())
    );
    assert!(matches!(
        Clusterer::from_json("{not json"),
        Err(ClusterError::State(_))
    ));
    // Empty text and odd characters are fine.
    c.ingest_in_order(&doc("b", "A", 1, "!!! ??? ...", ""))
        .unwrap();
    c.ingest_in_order(&doc("c", "A", 1, "Ünïcödé — 東京 地震", ""))
        .unwrap();
}

#[test]
fn headline_only_stories_group_and_separate() {
    let mut c = Clusterer::new(ClusterConfig::default());
    let titles = [
        (
            "1",
            "Chiquita to buy Fyffes, creating world's biggest banana supplier",
        ),
        ("2", "Snowden tells SXSW audience to encrypt their data"),
        (
            "3",
            "Chiquita and Fyffes agree merger to form top banana company",
        ),
        ("4", "Edward Snowden speaks at SXSW via video link"),
        ("5", "Fyffes, Chiquita merger creates banana giant"),
        ("6", "Snowden urges tech firms to protect users at SXSW"),
    ];
    let s: Vec<u64> = titles
        .iter()
        .enumerate()
        .map(|(i, (id, t))| {
            c.ingest_in_order(&doc(id, "O", i as i64, t, ""))
                .unwrap()
                .story
        })
        .collect();
    let s: Vec<u64> = s.into_iter().map(|x| c.resolve(x)).collect();
    assert_eq!(s[0], s[2]);
    assert_eq!(s[0], s[4]);
    assert_eq!(s[1], s[3]);
    assert_eq!(s[1], s[5]);
    assert_ne!(s[0], s[1]);
}

/// Runs a headline stream; returns each article's final story and the merge events.
fn headline_run(cfg: ClusterConfig, titles: &[&str]) -> (Vec<u64>, Vec<(u64, u64)>) {
    let mut c = Clusterer::new(cfg);
    let background = [
        "Central bank holds interest rates steady amid inflation worries",
        "Local team wins championship after dramatic overtime goal",
        "New smartphone model unveiled with larger screen and faster chip",
        "Film festival opens with premiere of historical drama",
        "Parliament debates budget bill as deadline approaches",
        "Airline cancels flights as pilots strike over pay",
        "Scientists discover new species of frog in rainforest",
        "Retail sales climb for third straight month",
    ];
    for (i, t) in background.iter().enumerate() {
        c.ingest_in_order(&doc(&format!("bg{i}"), "O", 0, t, ""))
            .unwrap();
    }
    let s: Vec<u64> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            c.ingest_in_order(&doc(&format!("a{i}"), "O", 1, t, ""))
                .unwrap()
                .story
        })
        .collect();
    let merges = c
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            StoryEvent::Merged { from, into } => Some((from, into)),
            _ => None,
        })
        .collect();
    (s.into_iter().map(|x| c.resolve(x)).collect(), merges)
}

#[test]
fn a_lone_article_is_reconsidered_when_a_later_article_bridges_it_to_a_story() {
    let titles = [
        "Quake kills 41 in Valmora port city",
        "Valmora earthquake death toll rises to 41",
        "Rescuers dig through rubble of collapsed homes after quake",
        "Valmora quake death toll rises to 41 as rescuers dig through rubble",
    ];
    let off = ClusterConfig {
        recheck_max_size: 0,
        ..ClusterConfig::default()
    };
    let (s, _) = headline_run(off, &titles);
    assert_eq!(s[0], s[1]);
    assert_ne!(
        s[2], s[0],
        "without reconsideration the lone article stays apart"
    );
    let (s, merges) = headline_run(ClusterConfig::default(), &titles);
    assert_eq!(s[0], s[1]);
    assert_eq!(s[3], s[0]);
    assert_eq!(
        s[2], s[0],
        "the bridged lone article joins the story: {merges:?}"
    );
    assert_eq!(merges.len(), 1, "reported as one merge event");
}

#[test]
fn a_headline_sharing_only_names_with_a_story_opens_its_own() {
    let titles = [
        "Police say fan of singer Dana Holt sneaked into her dressing room",
        "Teen fan arrested in dressing room of singer Dana Holt",
        "Fan who sneaked into Dana Holt dressing room is arrested",
        "Dana Holt performs in underwear after costume mishap",
    ];
    let off = ClusterConfig {
        names_only_factor: 1.0,
        ..ClusterConfig::default()
    };
    let (s, _) = headline_run(off, &titles);
    assert_eq!(s[0], s[1]);
    assert_eq!(s[0], s[2]);
    assert_eq!(
        s[3], s[0],
        "without the rule the shared names carry the join"
    );
    let (s, _) = headline_run(ClusterConfig::default(), &titles);
    assert_eq!(s[0], s[1]);
    assert_eq!(s[0], s[2]);
    assert_ne!(s[3], s[0], "a different story about the same person");
}

/// Articles about two events of one kind, interleaved: they share the topic's words, but each
/// event has its own ship, place and numbers, which the other's articles never mention.
fn twin_events() -> Vec<(Doc, usize)> {
    let topic = [
        "The Indian navy said its warship had been patrolling the Gulf of Aden to protect merchant shipping from pirates.",
        "Piracy off the coast of Somalia has surged, and navies from several countries escort convoys through the Gulf of Aden.",
        "A navy spokesman said the pirates surrendered after a brief exchange of fire and were taken aboard the warship.",
        "The pirates were armed with rifles and rocket launchers and had approached in fast skiffs, the navy said.",
        "Officials said the arrested pirates would be handed over to the police in Mumbai to face trial.",
        "Shipping companies have welcomed the navy patrols, saying attacks on merchant vessels have become more frequent.",
    ];
    let events = [
        [
            "The frigate Korvandal answered a distress call from the bulk carrier Talorin, which was flying the flag of Ethiopia.",
            "Commander Rastogi of the Korvandal said 23 pirates had tried to board the Talorin before dawn.",
            "The Ethiopian crew of the Talorin were unharmed, and the Korvandal escorted the carrier to Djibouti.",
            "Helicopters from the Korvandal fired warning shots as the skiffs circled the Talorin.",
        ],
        [
            "The patrol vessel Sindhavel intercepted a hijacked fishing trawler, the Marquesa, near the island of Socotra.",
            "Captain Bhandarkar of the Sindhavel said 26 pirates were found hiding in the hold of the Marquesa.",
            "Eleven Thai fishermen held hostage on the Marquesa for months were freed by the Sindhavel near Socotra.",
            "The Sindhavel had tracked the Marquesa for two days after a tip from a Socotra coast guard station.",
        ],
    ];
    let mut out = Vec::new();
    for i in 0..16 {
        let e = i % 2;
        let k = i / 2;
        // The first reports are mostly about the topic; later ones carry the details.
        let mut text = String::new();
        let (n_topic, n_event) = if i < 6 { (5, 1) } else { (2, 3) };
        for j in 0..n_topic {
            text.push_str(topic[(k + j) % topic.len()]);
            text.push(' ');
        }
        for j in 0..n_event {
            text.push_str(events[e][(k + j) % 4]);
            text.push(' ');
        }
        let title = if e == 0 {
            "Indian navy foils pirate attack in Gulf of Aden"
        } else {
            "Indian navy arrests pirates in Gulf of Aden"
        };
        out.push((
            Doc {
                id: format!("a{i}"),
                outlet: format!("Outlet {i}"),
                published: None,
                title: title.into(),
                url: String::new(),
                text,
                language: None,
            },
            e,
        ));
    }
    out
}

fn run_twins(cfg: ClusterConfig) -> (Vec<u64>, Vec<StoryEvent>, Clusterer) {
    let mut c = Clusterer::new(cfg);
    let mut out = Vec::new();
    let mut events = Vec::new();
    for (d, _) in twin_events() {
        c.ingest(&d, t0()).unwrap();
        events.extend(c.take_events());
    }
    for (d, _) in twin_events() {
        out.push(c.story_of(&d.id).unwrap());
    }
    (out, events, c)
}

#[test]
fn a_story_holding_two_events_of_one_kind_is_split() {
    let truth: Vec<usize> = twin_events().iter().map(|x| x.1).collect();
    let off = ClusterConfig {
        split_min_size: 0,
        ..ClusterConfig::default()
    };
    let (s, events, _) = run_twins(off);
    assert!(
        s.iter().all(|&x| x == s[0]),
        "without splits the two events end up in one story: {s:?}"
    );
    assert!(!events.iter().any(|e| matches!(e, StoryEvent::Split { .. })));

    let (s, events, c) = run_twins(ClusterConfig::default());
    // The detailed reports end up apart, by event (an early report that is mostly about the
    // topic may stay on either side).
    for i in 6..s.len() {
        for j in 6..s.len() {
            assert_eq!(s[i] == s[j], truth[i] == truth[j], "{s:?}");
        }
    }
    let splits: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match *e {
            StoryEvent::Split { from, new } => Some((from, new)),
            _ => None,
        })
        .collect();
    assert_eq!(splits.len(), 1, "{events:?}");
    let (from, new) = splits[0];
    assert!(s.contains(&from) && s.contains(&new));
    assert!(events.contains(&StoryEvent::Created { story: from }));
    assert!(!events.contains(&StoryEvent::Created { story: new }));
    // A restored clusterer knows the split.
    let restored = Clusterer::from_json(&c.to_json().unwrap()).unwrap();
    for (d, _) in twin_events() {
        assert_eq!(restored.story_of(&d.id), c.story_of(&d.id));
    }
}
