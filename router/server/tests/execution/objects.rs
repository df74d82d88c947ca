use crate::helpers::{Gateway, counts, spawn_subgraph};
use crate::objects_subgraphs;
use serde_json::json;

async fn router() -> Gateway {
    let (library, library_record) = spawn_subgraph(objects_subgraphs::library()).await;
    let (publishing, publishing_record) = spawn_subgraph(objects_subgraphs::publishing()).await;
    Gateway::start_fixture(
        "objects",
        vec![
            ("library", library, Some(library_record)),
            ("publishing", publishing, Some(publishing_record)),
        ],
        |_| {},
    )
    .await
}

#[tokio::test]
async fn fields_of_an_interface_object_reach_every_implementation() {
    let router = router().await;
    let body = router
        .query(r#"{ book(id: "b1") { title publisher { name } } shelf { __typename title publisher { name } } }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": {
            "book": { "title": "Dune", "publisher": { "name": "Chilton" } },
            "shelf": [
                { "__typename": "Book", "title": "Dune", "publisher": { "name": "Chilton" } },
                { "__typename": "Film", "title": "Alien", "publisher": { "name": "20th Century" } },
            ],
        } })
    );
    assert_eq!(
        router.counts(),
        counts(&[("library", 1), ("publishing", 2)])
    );
    // The interface object is asked about `Media`, the only type it knows.
    let asked = router.bodies("publishing");
    assert!(asked.iter().all(|body| {
        body["variables"]["representations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["__typename"] == "Media")
    }));
}

#[tokio::test]
async fn the_real_type_of_an_interface_object_comes_from_its_interface() {
    let router = router().await;
    let body = router
        .query("{ published { id __typename publisher { name } ... on Book { pages } ... on Film { minutes } } }")
        .await;
    assert_eq!(
        body,
        json!({ "data": { "published": [
            { "id": "f1", "__typename": "Film", "publisher": { "name": "20th Century" }, "minutes": 117 },
            { "id": "b1", "__typename": "Book", "publisher": { "name": "Chilton" }, "pages": 412 },
        ] } })
    );
    assert_eq!(
        router.counts(),
        counts(&[("publishing", 1), ("library", 1)])
    );
}
