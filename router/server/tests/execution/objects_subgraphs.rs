//! The interface-object fixture's subgraphs (`federation/tests/fixtures/objects.graphql`):
//! library defines the `Media` interface and its implementations, publishing extends every
//! `Media` through an `@interfaceObject` without knowing the implementations.

use async_graphql::{
    EmptyMutation, EmptySubscription, ID, Interface, Object, Schema, SimpleObject,
};

#[derive(SimpleObject, Clone)]
pub struct Book {
    id: ID,
    title: String,
    pages: i32,
}

#[derive(SimpleObject, Clone)]
pub struct Film {
    id: ID,
    title: String,
    minutes: i32,
}

#[derive(Interface, Clone)]
#[graphql(field(name = "id", ty = "&ID"), field(name = "title", ty = "&String"))]
pub enum Media {
    Book(Book),
    Film(Film),
}

fn media(id: &str) -> Option<Media> {
    match id {
        "b1" => Some(Media::Book(Book {
            id: ID("b1".to_owned()),
            title: "Dune".to_owned(),
            pages: 412,
        })),
        "f1" => Some(Media::Film(Film {
            id: ID("f1".to_owned()),
            title: "Alien".to_owned(),
            minutes: 117,
        })),
        _ => None,
    }
}

pub struct LibraryQuery;

#[Object]
impl LibraryQuery {
    async fn book(&self, id: ID) -> Option<Book> {
        match media(&id)? {
            Media::Book(book) => Some(book),
            Media::Film(_) => None,
        }
    }

    async fn shelf(&self) -> Vec<Media> {
        ["b1", "f1"].into_iter().filter_map(media).collect()
    }

    /// `Media` is an entity interface: a `Media` reference resolves to the real object.
    #[graphql(entity)]
    async fn find_media_by_id(&self, id: ID) -> Option<Media> {
        media(&id)
    }

    #[graphql(entity)]
    async fn find_book_by_id(&self, id: ID) -> Option<Book> {
        match media(&id)? {
            Media::Book(book) => Some(book),
            Media::Film(_) => None,
        }
    }

    #[graphql(entity)]
    async fn find_film_by_id(&self, id: ID) -> Option<Film> {
        match media(&id)? {
            Media::Film(film) => Some(film),
            Media::Book(_) => None,
        }
    }
}

pub fn library() -> Schema<LibraryQuery, EmptyMutation, EmptySubscription> {
    Schema::build(LibraryQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

#[derive(SimpleObject, Clone)]
pub struct Publisher {
    name: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Media")]
pub struct MediaObject {
    id: ID,
    publisher: Option<Publisher>,
}

fn published(id: ID) -> MediaObject {
    let name = if id.as_str() == "b1" {
        "Chilton"
    } else {
        "20th Century"
    };
    MediaObject {
        id,
        publisher: Some(Publisher {
            name: name.to_owned(),
        }),
    }
}

pub struct PublishingQuery;

#[Object]
impl PublishingQuery {
    async fn published(&self) -> Vec<MediaObject> {
        ["f1", "b1"]
            .into_iter()
            .map(|id| published(ID(id.to_owned())))
            .collect()
    }

    #[graphql(entity)]
    async fn find_media_by_id(&self, id: ID) -> MediaObject {
        published(id)
    }
}

pub fn publishing() -> Schema<PublishingQuery, EmptyMutation, EmptySubscription> {
    Schema::build(PublishingQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
